/** The organisation's parts the clients share with the key service: certificates and witness receipts. */
export { CERTIFICATE_SKEW_SECONDS, CERTIFICATE_TYP, issueCertificate, verifyCertificate, type VerifiedCertificate } from './certificate.js';
export { certificationKeyId, type CertificateSigner } from './org-jws.js';
export {
  extendsWitnessHead,
  isWitnessClaim,
  issueWitnessReceipt,
  verifyWitnessReceipt,
  verifyWitnessRegistration,
  WITNESS_KIND,
  WITNESS_TYP,
  type WitnessClaim,
  type WitnessHead,
  type WitnessRegistration,
  type VerifiedReceipt,
} from './witness.js';
