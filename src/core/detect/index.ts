/**
 * Sensitive information types: scanning text for them, deciding the label content needs, SARIF output,
 * and the pure helpers a scanner host needs (binary sniffing, .gitignore rules).
 */
export type { Confidence, CustomInfoType, DetectionPolicy, DetectionRule, Finding, InfoType, ValidatorName } from './types.js';
export { createScanner, DEFAULT_KEYWORD_DISTANCE, detectionProblems, scannerFor, scanText, type Scanner } from './scan.js';
export {
  BUILTIN_TYPES,
  CREDENTIAL_TYPES,
  DETECTOR_REACH,
  EMAIL_LIST_THRESHOLD,
  PASSWORD_MIN_ENTROPY,
  PRIVATE_KEY_REACH,
  SECRET_MIN_ENTROPY,
} from './builtins.js';
export { counts, DEFAULT_MIN_CONFIDENCE, evaluate, type EvaluateOptions, type Evaluation, type RuleSet } from './evaluate.js';
export { toSarif, type FileScan, type SarifLog, type SarifOptions } from './sarif.js';
export { BINARY_SNIFF_BYTES, decodeText, isProbablyBinary } from './binary.js';
export { createIgnoreMatcher, parseGitignore, type IgnoreFile, type IgnoreMatcher } from './ignore.js';
export { canMoveSecret, ignoresDotEnv, moveSecretOut, parseDotEnv, type SecretMove, type SecretSpan } from './secret-move.js';
