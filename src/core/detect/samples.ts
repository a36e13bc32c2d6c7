/**
 * Values their issuers publish as examples (documentation, SDK samples, emulators). Scanners that drop them
 * silently hide a real key pasted next to one; flagging them cries wolf. They are reported at low confidence
 * as "published sample, ignored", which no rule counts.
 */
import { WHY, type Verdict } from './detector.js';
import { placeholderReason } from './text.js';

/**
 * Google API keys that Google's own SDKs publish in their tests and samples (firebase-android-sdk test
 * fixtures and sample configs). Firebase keys identify a project and are not secret by design
 * (firebase.google.com/docs/projects/api-keys); these are public to everyone. Source: the known-public
 * list gitleaks ships in its `gcp-api-key` allowlist (github.com/gitleaks/gitleaks,
 * cmd/generate/config/rules/gcp.go, "example keys from https://github.com/firebase/firebase-android-sdk").
 */
const GOOGLE_SDK_KEYS = [
  'AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs',
  'AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM',
  'AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU',
  'AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0',
  'AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A',
  'AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c',
  'AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4',
  'AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY',
  'AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM',
  'AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ',
  'AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g',
  'AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU',
  'AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw',
  'AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE',
  'AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY',
];

const SAMPLES: ReadonlyMap<string, string> = new Map([
  // docs.aws.amazon.com, "Managing access keys" and the CLI configuration guide.
  ['AKIAIOSFODNN7EXAMPLE', 'AWS documentation'],
  ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AWS documentation'],
  ['AKIAI44QH8DHBEXAMPLE', 'AWS documentation'],
  ['je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY', 'AWS documentation'],
  // learn.microsoft.com, "Use the Azurite emulator": the emulator's well-known account key.
  ['Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==', 'Azurite storage emulator'],
  // The Google Maps Platform samples' key, copied into countless tutorials.
  ['AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe', 'Google Maps Platform samples'],
  ...GOOGLE_SDK_KEYS.map((k) => [k, 'Google SDK test key (firebase-android-sdk)'] as const),
  // api.slack.com, "Sending messages using incoming webhooks".
  ['https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', 'Slack documentation'],
  ['hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', 'Slack documentation'],
  // jwt.io's debugger example (HS256, secret "your-256-bit-secret").
  [
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    'jwt.io',
  ],
]);

/** The verdict for a published sample, or undefined when `value` is not one. AWS marks its examples with EXAMPLE. */
export function sampleVerdict(value: string): Verdict | undefined {
  const source = SAMPLES.get(value) ?? (/^A[KS]IA[A-Z2-7]{9}EXAMPLE$|EXAMPLEKEY$/.test(value) ? 'AWS documentation' : undefined);
  return source ? { confidence: 'low', why: [WHY.sample(source)], sample: true } : undefined;
}

/**
 * A value in an issuer's shape whose body is a stand-in (`AKIA` + sixteen `X`, `AIzaSy` + `X`…): reported as
 * a sample, so the shape is shown without counting, or undefined when `body` may be real.
 */
export function placeholderVerdict(body: string): Verdict | undefined {
  const reason = placeholderReason(body);
  return reason ? { confidence: 'low', why: [`placeholder (${reason}), ignored`], sample: true } : undefined;
}
