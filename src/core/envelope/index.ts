/**
 * The protected envelope v1 (docs/FORMAT.md): per-file key, HKDF-derived keys, key commitment, owner-signed
 * policy (JWS EdDSA), recipient slots (JWE ECDH-ES+A256KW), MAC'd header, STREAM AES-256-GCM body.
 */
export {
  openEnvelope,
  protect,
  readEnvelopeHeader,
  readEnvelopeHistory,
  replaceEnvelopeContent,
  rewrapEnvelope,
  type EnvelopeChange,
  type EnvelopeSource,
  type EnvelopeHeader,
  type EnvelopeHistory,
  type EnvelopeInfo,
  type GrantRequest,
  type OpenedEnvelope,
  type OpenOptions,
  type ProtectOptions,
  type ReplaceContentOptions,
  type RewrapOptions,
  type SignedHistory,
  type SlotInfo,
  type WitnessHook,
} from './envelope.js';
export {
  doubleKeyAccess,
  fromBase64,
  isServiceUrl,
  noDoubleKeyAccess,
  oaepLabel,
  toBase64,
  DOUBLE_KEY_ALG,
  type DoubleKeyAccess,
  type DoubleKeyClaim,
  type DoubleKeyContent,
  type DoubleKeyWrap,
  type KeyServiceClient,
  type WitnessHeadHandler,
  type RsaPublicJwk,
} from './double-key.js';
export { DEFAULT_CHUNK_SIZE, VERSION as ENVELOPE_VERSION, type EnvelopeLayout, type WitnessEntry } from './format.js';
export { byteSourceOf, memorySink, observed, randomAccessOf, type MemorySink } from './io.js';
export {
  holdsOwner,
  policyDigest,
  policySubject,
  verifyLineageStep,
  type EnvelopeLabel,
  type EnvelopePolicy,
  type PolicyGrant,
  type PolicyOwner,
} from './policy.js';
