/** The organisation's parts the clients share with the key service: certificates. */
export {
  CERTIFICATE_SKEW_SECONDS,
  CERTIFICATE_TYP,
  certificationKeyId,
  issueCertificate,
  verifyCertificate,
  type CertificateSigner,
  type VerifiedCertificate,
} from './certificate.js';
