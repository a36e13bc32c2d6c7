/**
 * The built-in sensitive information types. Each detector makes one pass over the text with a regex
 * that starts on a rare literal or class (so V8 skips ahead fast), then a validator cuts false positives.
 * The detectors live by family: keys.ts, tokens.ts, credentials.ts, numbers.ts, iban.ts, emails.ts.
 */
import { assignments, SECRET_KEY, urlCredentials } from './credentials.js';
import { TYPES, type Detector } from './detector.js';
import { emails } from './emails.js';
import { IBAN_START, ibans } from './iban.js';
import { PEM_BEGIN, privateKeys, PUTTY } from './keys.js';
import { DIGIT_RUN, numbers } from './numbers.js';
import { ACCOUNT_KEY, aws, AWS_ID, azure, GITHUB, GITHUB_PAT, githubClassic, githubFineGrained, google, JWT, jwt, SAS_VERSION, SLACK, slack, stripe } from './tokens.js';
import type { InfoType } from './types.js';

export { DETECTOR_REACH, EMAIL_LIST_THRESHOLD, PRIVATE_KEY_REACH, TYPES, type Detector, type Hit } from './detector.js';
export { PASSWORD_MIN_ENTROPY, SECRET_MIN_ENTROPY } from './credentials.js';

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
  jwt,
  urlCredentials,
  assignments,
  numbers,
  ibans,
  emails,
];

/** The built-in types in a stable order. */
export const BUILTIN_TYPES: readonly InfoType[] = Object.values(TYPES);

/**
 * The first-pass patterns the detectors search for before validating (literals as regexes). The scan
 * benchmark hands these to ripgrep, so both search for the same things.
 */
export const CANDIDATE_PATTERNS: readonly RegExp[] = [
  PEM_BEGIN, PUTTY, AWS_ID, GITHUB, GITHUB_PAT, SLACK, /[sr]k_live_[0-9A-Za-z]{24,247}/, /AIza[0-9A-Za-z_-]{35}/, ACCOUNT_KEY, SAS_VERSION, JWT, /:\/\//, SECRET_KEY, DIGIT_RUN, IBAN_START, /@/,
];
