/**
 * People's words (issue 22): every error code through the extension's presenter gives a headline without a code,
 * a schema path, a raw key id or a right's wire name (those stay in the details line); real errors of the core
 * (a schema error, a missing right, a changed key) read as people's words; the key change flow replaces a pinned
 * key only after Replace and its confirmation; pins are dated.
 */
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { errorLine } from '../../src/cli/errors.js';
import { reviewKeyChange, replacePinnedKey } from '../../src/core/app/index.js';
import { ERROR_CODES, SensitivityError, isSensitivityError, type ErrorCode, type ErrorHint } from '../../src/core/errors.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { createIdentity, publicIdentity, type Identity } from '../../src/core/identity.js';
import { parsePublicIdentity } from '../../src/core/people.js';
import { parsePins, pinIn, serializePins, EMPTY_PINS } from '../../src/core/pins.js';
import { decideAccess, denialError, RIGHTS } from '../../src/core/rights.js';
import { describeError, isTechnical } from '../../src/extension/ui/error-words.js';
import { COMPARE, decideKeyChange, keyChangeWords, REPLACE, REPLACE_KEY, type Ask } from '../../src/extension/ui/key-change-flow.js';
import { memoryContext } from './app/memory-ports.js';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
const HINTS: (ErrorHint | undefined)[] = [undefined, 'ask-owner', 'accept-new-key', 'create-identity', 'add-person', 'retry', 'sign-in', 'ask-admin'];
const KEY_ID = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

/** What a headline must never hold (issue 22). */
function assertPeoplesWords(headline: string, what: string): void {
  assert.doesNotMatch(headline, /\bE_[A-Z]/, `${what}: a code in "${headline}"`);
  assert.doesNotMatch(headline, /(^|[\s(:])\/[\w~.-]*(\/[\w~.-]*)*:/, `${what}: a schema path in "${headline}"`);
  assert.doesNotMatch(headline, /[A-Za-z0-9_-]{43}/, `${what}: a raw key id in "${headline}"`);
  assert.doesNotMatch(headline, new RegExp(`\\b(${RIGHTS.join('|')})\\b`), `${what}: a right's wire name in "${headline}"`);
}

/** Technical wordings the core's messages carry (schema paths, key ids, right names, codes). */
const TECHNICAL = [
  'invalid identity: /v: is required',
  'invalid policy: /: must be an object (got 3)',
  'invalid pins file: /pins/0/email: must be a string (got 3)',
  'invalid policy: /labels/2/color: Use "#rrggbb" (got "red")',
  `no slot for key id ${KEY_ID}`,
  'your rights (VIEW, VIEWRIGHTSDATA) do not include EXTRACT; ask the owner',
  'failed with E_INTERNAL',
];

describe("people's words for every error", () => {
  it('every code, with every kind of technical message and several hints, has a headline in people’s words and keeps the code in the details', () => {
    for (const code of CODES) {
      for (const message of [...TECHNICAL, 'the file is locked by another process']) {
        for (const hint of HINTS) {
          const e = new SensitivityError(code, message, '/w/notes.md.protected', { details: hint ? { hint, email: 'bob@example.com' } : {} });
          const said = describeError(e);
          assertPeoplesWords(said.message, `${code} / ${hint ?? 'no hint'} / ${message}`);
          assert.ok(said.message.startsWith('notes.md.protected: ') || code === 'E_NO_IDENTITY', said.message);
          assert.ok(said.details.startsWith(`${code}: `), 'the code is in the details line');
          assert.ok(said.details.includes(message), 'and the core’s wording');
        }
      }
    }
  });

  it('a message already in people’s words is kept', () => {
    const said = describeError(new SensitivityError('E_LOCKED', 'is locked by process 42; try again', '/w/a.md'));
    assert.equal(said.message, 'a.md: Is locked by process 42; try again.');
  });

  it('an unexpected error is not shown raw', () => {
    const said = describeError(new TypeError('Cannot read properties of undefined (reading "kid")'));
    assertPeoplesWords(said.message, 'TypeError');
    assert.doesNotMatch(said.message, /undefined|kid/);
    assert.match(said.details, /reading "kid"/);
  });

  it('the detector agrees with the assertions', () => {
    for (const t of TECHNICAL) assert.ok(isTechnical(t), t);
    assert.ok(!isTechnical('you are not granted access; ask the owner, Alice <alice@example.com> (verified, 04217 88310 12345 67890 11111 22222)'));
    assert.ok(!isTechnical('the key service at http://127.0.0.1:8443/keys has revoked your access to this file'), 'a URL is not a schema path');
  });

  describe('real errors of the core', () => {
    let alice: Identity;
    let bob: Identity;
    before(async () => {
      [alice, bob] = await Promise.all([createIdentity('Alice', 'alice@example.com'), createIdentity('Bob', 'bob@example.com')]);
    });

    it('"Invalid identity: /v: is required" becomes a sentence; the path stays in the details', () => {
      const { v: _v, ...noVersion } = publicIdentity(alice) as unknown as Record<string, unknown>;
      let error: unknown;
      try {
        parsePublicIdentity(noVersion);
      } catch (e) {
        error = e;
      }
      assert.ok(isSensitivityError(error, 'E_IDENTITY_INVALID'), String(error));
      const said = describeError(error);
      assertPeoplesWords(said.message, 'schema error');
      assert.match(said.message, /not a valid Sensitivity identity/);
      assert.match(said.details, /\/v: is required/);
    });

    it('a missing right is said with the words people read ("copy", not EXTRACT)', () => {
      const d = decideAccess(
        { grants: [{ kid: bob.id, email: bob.email, rights: ['VIEW', 'VIEWRIGHTSDATA'] }], owner: { kid: alice.id, email: alice.email, name: alice.name } },
        bob.id,
        'EXTRACT',
        new Date(),
      );
      assert.equal(d.allowed, false);
      if (d.allowed) return;
      const said = describeError(denialError(d));
      assertPeoplesWords(said.message, 'E_RIGHT_MISSING');
      assert.match(said.message, /does not let you copy/);
      assert.match(said.details, /EXTRACT/);
      // The CLI's line says the same in words, the code kept at its end (exit code and --json unchanged).
      const line = errorLine(denialError(d));
      assert.match(line, /you may view, see access, not copy; ask .*Alice/);
      assert.doesNotMatch(line.replace(/ \[E_RIGHT_MISSING\]$/, ''), new RegExp(`\\b(${RIGHTS.join('|')})\\b`));
      assert.match(line, / \[E_RIGHT_MISSING\]$/);
    });

    it('a changed key: one sentence (not the same one twice), no fingerprints in the headline', () => {
      const mallory = publicIdentity(alice);
      const first = pinIn(EMPTY_PINS, publicIdentity(bob)).book;
      let error: unknown;
      try {
        pinIn(first, { ...mallory, email: bob.email });
      } catch (e) {
        error = e;
      }
      assert.ok(isSensitivityError(error, 'E_KEY_CHANGED'));
      const said = describeError(error);
      assertPeoplesWords(said.message, 'E_KEY_CHANGED');
      assert.equal(said.message.match(/compare/gi)?.length ?? 0, 0, said.message);
      assert.match(said.message, /bob@example\.com is not the one you pinned/);
    });
  });
});

describe('the key change flow', () => {
  let bob: Identity;
  let mallory: Identity;
  before(async () => {
    [bob, mallory] = await Promise.all([createIdentity('Bob', 'bob@example.com'), createIdentity('Bob', 'bob@example.com')]);
  });
  const change = () => ({
    email: 'bob@example.com',
    pinned: { identity: publicIdentity(bob), fingerprint: fingerprint(bob.id), source: 'pins' as const, since: '2026-11-03T10:00:00.000Z' },
    offered: { identity: publicIdentity(mallory), fingerprint: fingerprint(mallory.id), source: 'workspace' as const },
  });

  /** An `ask` that answers from a script and records the questions. */
  function scripted(...answers: (string | undefined)[]): { ask: Ask; asked: { question: string; detail: string; buttons: readonly string[] }[] } {
    const asked: { question: string; detail: string; buttons: readonly string[] }[] = [];
    return {
      asked,
      ask: (question, detail, buttons) => {
        asked.push({ question, detail, buttons });
        return Promise.resolve(answers.shift());
      },
    };
  }

  it('replaces only after Replace and its confirmation', async () => {
    for (const [answers, replaced, questions] of [
      [[undefined], false, 1],
      [[COMPARE, undefined], false, 2],
      [[REPLACE, undefined], false, 2],
      [[COMPARE, REPLACE, undefined], false, 3],
      [[REPLACE, REPLACE_KEY], true, 2],
      [[COMPARE, REPLACE, REPLACE_KEY], true, 3],
    ] as const) {
      const s = scripted(...answers);
      assert.equal(await decideKeyChange(change(), s.ask), replaced, answers.join(' → '));
      assert.equal(s.asked.length, questions, answers.join(' → '));
      assert.deepEqual(s.asked[0]!.buttons, [COMPARE, REPLACE]);
      if (replaced) assert.deepEqual(s.asked.at(-1)!.buttons, [REPLACE_KEY]);
    }
  });

  it('Compare shows both fingerprints, where each came from and when the old one was pinned; the confirmation names the risk', () => {
    const words = keyChangeWords(change());
    assert.match(words.headline, /^The key offered for Bob <bob@example\.com> is not the one you pinned\.$/);
    assert.ok(words.compare.includes(`Pinned:  ${fingerprint(bob.id)}`));
    assert.ok(words.compare.includes(`New:     ${fingerprint(mallory.id)}`));
    assert.match(words.compare, /in your pins, kept in your home folder\), pinned on 3 November 2026/);
    assert.match(words.compare, /people\.json/);
    assert.match(words.risk, /whoever holds it can open every file you share with bob@example\.com/);
    assert.ok(words.risk.includes(fingerprint(mallory.id)));
    for (const text of Object.values(words)) assertPeoplesWords(text, 'key change words');
    const { since: _since, ...undatedPin } = change().pinned;
    const undated = keyChangeWords({ ...change(), pinned: undatedPin });
    assert.match(undated.compare, /pinned before this tool recorded dates/);
  });

  it('the core side: review names both keys and their sources; Replace re-pins the workspace’s key, records it, and returns the old pin for Undo', async () => {
    const ctx = memoryContext(bob);
    const pins = ctx.pins;
    await pins.pin(publicIdentity(bob));
    await ctx.store.updatePeople((dir) => ({ ...dir, people: [publicIdentity(mallory)] }));
    const review = await reviewKeyChange(ctx, { email: bob.email, pinnedId: bob.id, newId: mallory.id });
    assert.equal(review.pinned.fingerprint, fingerprint(bob.id));
    assert.equal(review.pinned.source, 'pins');
    assert.equal(review.offered.source, 'workspace');
    const unpinned = await replacePinnedKey(ctx, mallory.id);
    assert.deepEqual(
      unpinned.map((p) => p.id),
      [bob.id],
    );
    assert.equal((await pins.byEmail(bob.email))?.id, mallory.id);
    assert.ok(ctx.audit.actions().includes('pin.change'));
  });
});

describe('pins are dated', () => {
  it('a new or changed pin records when; pins.json keeps it; a damaged record is refused', async () => {
    const [a, b] = await Promise.all([createIdentity('A', 'a@example.com'), createIdentity('B', 'a@example.com')]);
    const first = pinIn(EMPTY_PINS, publicIdentity(a), false, '2026-12-01T09:00:00.000Z').book;
    assert.deepEqual(first.since, { [a.id]: '2026-12-01T09:00:00.000Z' });
    const same = parsePins(serializePins(first));
    assert.deepEqual(same.since, first.since);
    const changed = pinIn(same, publicIdentity(b), true, '2026-12-07T09:00:00.000Z').book;
    assert.deepEqual(changed.since, { [b.id]: '2026-12-07T09:00:00.000Z' }, 'the old pin’s date goes with it');
    assert.throws(
      () => parsePins(JSON.stringify({ version: 1, pins: [], since: { x: 'yesterday' } })),
      (e: unknown) => isSensitivityError(e, 'E_IDENTITY_INVALID'),
    );
  });
});
