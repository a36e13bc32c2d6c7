/**
 * The built-in sensitive information types. Each detector makes one pass over the text with a regex
 * that starts on a rare literal or class (so V8 skips ahead fast), then a validator cuts false positives.
 * The detectors live by family: keys.ts, cloud.ts, tokens.ts, jwt.ts, credentials.ts, assignments.ts,
 * numbers.ts, iban.ts, emails.ts; docs/DETECTION.md describes every type.
 */
import { assignments } from './assignments.js';
import { aws, azure, azureClientSecret } from './cloud.js';
import { commandCredentials, urlCredentials } from './credentials.js';
import { TYPES, type Detector } from './detector.js';
import { emails } from './emails.js';
import { ibans } from './iban.js';
import { jwt } from './jwt.js';
import { privateKeys } from './keys.js';
import { numbers } from './numbers.js';
import { githubClassic, githubFineGrained, google, slack, stripe } from './tokens.js';
import type { InfoType } from './types.js';

export { CREDENTIAL_TYPES, DETECTOR_REACH, EMAIL_LIST_THRESHOLD, PRIVATE_KEY_REACH, TYPES, type Detector, type Hit } from './detector.js';
export { PASSWORD_MIN_ENTROPY, SECRET_MIN_ENTROPY } from './assignments.js';

/** Every built-in detector, in no particular order (overlaps are settled by priority afterwards). */
export const BUILTIN_DETECTORS: readonly Detector[] = [
  privateKeys,
  aws,
  githubClassic,
  githubFineGrained,
  slack,
  stripe,
  google,
  azure,
  azureClientSecret,
  jwt,
  urlCredentials,
  commandCredentials,
  assignments,
  numbers,
  ibans,
  emails,
];

/** The built-in types in a stable order. */
export const BUILTIN_TYPES: readonly InfoType[] = Object.values(TYPES);

/**
 * The first-pass patterns the detectors search for before validating. The scan benchmark hands these to
 * ripgrep, so both search for the same things.
 */
export const CANDIDATE_PATTERNS: readonly RegExp[] = BUILTIN_DETECTORS.flatMap((d) => d.candidates);
