/**
 * "Owner" only for a verified owner (issue 20, item 7): an impostor who made an identity named "Alice
 * <alice@example.com>" protects a file; a reader who pinned the real Alice sees, in `label list`, `inspect`,
 * every denial and git's diff placeholder, "signed by an unverified key <fingerprint> claiming Alice" —
 * never "owner" or "ask the owner, Alice". The real Alice's file still says owner. One core function
 * (`ownerWords`, src/core/display.ts) decides it for every host.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { introduce, makePerson, tempDir, type Person } from './helpers.js';

const FP = String.raw`\d{5}( \d{5}){5}`;

describe('owner wording follows verification', () => {
  const tmp = tempDir();
  const ws = join(tmp.path, 'ws');
  let alice: Person;
  let impostor: Person;
  let carol: Person;

  before(() => {
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
    impostor = makePerson(join(tmp.path, 'impostor'), ws, 'Alice', 'alice@example.com');
    carol = makePerson(tmp.path, ws, 'Carol', 'carol@example.com');
    introduce(carol, alice); // Carol pins the real Alice
    writeFileSync(join(ws, 'real.txt'), 'real\n');
    writeFileSync(join(ws, 'fake.txt'), 'fake\n');
    for (const [who, file] of [
      [alice, 'real.txt'],
      [impostor, 'fake.txt'],
    ] as const) {
      const r = who.run(['protect', file, '--label', 'General']);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => tmp.dispose());

  it('label list: owner for the verified key, "signed by an unverified key … claiming" for the other', () => {
    const r = carol.run(['label', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^real\\.txt\\.protected\\tGeneral \\[protected, owner Alice <alice@example\\.com> \\(verified, ${FP}\\)\\]$`, 'm'));
    assert.match(
      r.stdout,
      new RegExp(`^fake\\.txt\\.protected\\tGeneral \\[protected, signed by an unverified key ${FP} claiming Alice <alice@example\\.com>\\]$`, 'm'),
    );
    const json = JSON.parse(carol.run(['label', 'list', '--json']).stdout) as { path: string; ownerVerified?: boolean }[];
    assert.deepEqual(
      json.filter((f) => f.ownerVerified !== undefined).map((f) => [f.path, f.ownerVerified]),
      [
        ['fake.txt.protected', false],
        ['real.txt.protected', true],
      ],
    );
  });

  it('denials ask "the owner" only when verified', () => {
    const fake = carol.run(['cat', 'fake.txt.protected']);
    assert.equal(fake.code, 3, fake.stderr);
    assert.doesNotMatch(fake.stderr, /owner/i);
    assert.match(fake.stderr, new RegExp(`ask its signer \\(signed by an unverified key ${FP} claiming Alice <alice@example\\.com>\\)`));
    const real = carol.run(['cat', 'real.txt.protected']);
    assert.equal(real.code, 3, real.stderr);
    assert.match(real.stderr, /you are not granted access; ask the owner, Alice <alice@example\.com>/);
  });

  it('inspect titles the field "Signed by" for an unverified key', () => {
    const fake = carol.run(['inspect', 'fake.txt.protected']);
    assert.equal(fake.code, 0, fake.stderr);
    assert.doesNotMatch(fake.stdout, /^Owner:/m);
    assert.match(fake.stdout, new RegExp(`^Signed by: {2}an unverified key ${FP} claiming Alice <alice@example\\.com>$`, 'm'));
    assert.match(fake.stdout, /^You: {8}no access — you are not granted access; ask its signer/m);
    assert.match(carol.run(['inspect', 'real.txt.protected']).stdout, new RegExp(`^Owner: {6}Alice <alice@example\\.com> \\(verified, ${FP}\\)$`, 'm'));
  });
});
