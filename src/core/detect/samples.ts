/**
 * Values their issuers publish as examples (documentation, SDK samples, emulators). Scanners that drop them
 * silently hide a real key pasted next to one; flagging them cries wolf. They are reported at low confidence
 * as "published sample, ignored", which no rule counts.
 */
import { WHY, type Verdict } from './detector.js';

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
