/** Where the seed corpus lives, and the seeded test identities its envelopes are made for. */
import { fileURLToPath } from 'node:url';
import type { Identity } from '../../src/core/identity.js';
import { seededIdentity } from '../vectors/fixtures.js';

export const CORPUS = fileURLToPath(new URL('./corpus', import.meta.url));
/** Inputs that once broke a parser, kept as regression tests (replayed by test/unit/fuzz.test.ts). */
export const REGRESSIONS = fileURLToPath(new URL('./regressions', import.meta.url));

let cached: Promise<{ alice: Identity; bob: Identity; carol: Identity }> | undefined;

/** Alice (the owner of every seed envelope), Bob and Carol: keys derived from their emails, nothing committed. */
export function people(): Promise<{ alice: Identity; bob: Identity; carol: Identity }> {
  cached ??= (async () => ({
    alice: await seededIdentity('Alice', 'alice@example.com'),
    bob: await seededIdentity('Bob', 'bob@example.com'),
    carol: await seededIdentity('Carol', 'carol@example.com'),
  }))();
  return cached;
}
