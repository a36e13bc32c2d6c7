/** Labels follow the content, in memory: copies keep the label, moves take it along, pastes by the policy's rule; versions from git open in memory. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as app from '../../../src/core/app/index.js';
import { isSensitivityError } from '../../../src/core/errors.js';
import { createIdentity, type Identity } from '../../../src/core/identity.js';
import { getLabel, setLabel } from '../../../src/core/labels/index.js';
import { DEFAULT_POLICY } from '../../../src/core/policy/index.js';
import { memoryContext, MemoryFiles, MemoryStore } from './memory-ports.js';

let alice: Identity;
let bob: Identity;
before(async () => {
  [alice, bob] = await Promise.all([createIdentity('Alice', 'alice@example.com'), createIdentity('Bob', 'bob@example.com')]);
});

async function labeled(files: Record<string, [string, string | undefined]>) {
  const ws = { files: new MemoryFiles(), store: new MemoryStore() };
  const ctx = memoryContext(alice, ws);
  for (const [path, [content, label]] of Object.entries(files)) {
    ws.files.put(path, content);
    // Entries as git brings them: labels requiring protection on plain files included (they show as warnings).
    if (label) ws.store.manifestValue = setLabel(ws.store.manifestValue, path, label, alice, { policy: DEFAULT_POLICY, now: new Date() }).manifest;
  }
  return { ...ws, ctx, labelOf: (p: string) => getLabel(ws.store.manifestValue, p)?.label };
}

describe('app: labels follow the content', () => {
  it('a byte-for-byte copy takes the label of its original (the highest when several match)', async () => {
    const ws = await labeled({
      'plan.md': ['launch plan\n', 'confidential-all-employees'],
      'old/plan.md': ['launch plan\n', 'highly-confidential-all-employees'],
      'other.md': ['something else\n', 'general'],
      'plan copy.md': ['launch plan\n', undefined],
    });
    const r = await app.labelCopy(ws.ctx, 'plan copy.md');
    assert.equal(r?.source, 'old/plan.md');
    assert.equal(ws.labelOf('plan copy.md'), 'highly-confidential-all-employees');
  });

  it('leaves a file alone when it differs from every labeled file, is empty, or has a label already', async () => {
    const ws = await labeled({
      'plan.md': ['launch plan\n', 'confidential-all-employees'],
      'edited.md': ['launch plan!\n', undefined],
      'empty.md': ['', undefined],
      'own.md': ['launch plan\n', 'general'],
    });
    for (const p of ['edited.md', 'empty.md', 'own.md']) assert.equal(await app.labelCopy(ws.ctx, p), undefined, p);
    assert.equal(ws.labelOf('edited.md'), undefined);
    assert.equal(ws.labelOf('own.md'), 'general', 'never over a label someone chose');
  });

  it('moveLabel takes the entry to the new path (after git mv) and refuses a file without a label', async () => {
    const ws = await labeled({ 'a.md': ['x', 'confidential-all-employees'] });
    ws.files.put('b.md', 'x');
    await ws.files.remove('a.md');
    await app.moveLabel(ws.ctx, 'a.md', 'b.md');
    assert.equal(ws.labelOf('b.md'), 'confidential-all-employees');
    assert.equal(ws.labelOf('a.md'), undefined);
    await assert.rejects(app.moveLabel(ws.ctx, 'a.md', 'b.md'), (e) => isSensitivityError(e, 'E_NOT_FOUND'));
    await assert.rejects(app.moveLabel(ws.ctx, 'b.md', 'nowhere.md'), (e) => isSensitivityError(e, 'E_NOT_FOUND'));
  });

  it("pasteOutcome follows the policy's paste rule only for a lower (or no) target label", async () => {
    const ws = await labeled({ 'general.md': ['g', 'general'], 'secret.md': ['s', 'highly-confidential-specific-people'], 'none.md': ['n', undefined] });
    const hc = 'highly-confidential-all-employees';
    const lower = await app.pasteOutcome(ws.ctx, 'general.md', hc);
    assert.equal(lower.kind, 'recommend');
    assert.equal(lower.kind === 'recommend' ? lower.target?.id : undefined, 'general');
    assert.equal((await app.pasteOutcome(ws.ctx, 'none.md', hc)).kind, 'recommend');
    assert.equal((await app.pasteOutcome(ws.ctx, 'secret.md', hc)).kind, 'fine', 'a higher target is fine');
    assert.equal((await app.pasteOutcome(ws.ctx, 'general.md', 'no-such-label')).kind, 'fine');
    for (const paste of ['apply', 'block'] as const) {
      ws.store.policyValue = { ...DEFAULT_POLICY, paste };
      assert.equal((await app.pasteOutcome(ws.ctx, 'general.md', hc)).kind, paste);
    }
  });
});

describe('app: openVersion (a version from git, decrypted in memory)', () => {
  it('opens the bytes of an earlier version for a reader, records the open, and denies others', async () => {
    const ws = await labeled({ 'plan.md': ['first version\n', undefined] });
    await app.protect(ws.ctx, 'plan.md', { label: 'general' });
    const earlier = ws.files.files.get('plan.md.protected')!.bytes;
    await app.save(ws.ctx, 'plan.md.protected', new TextEncoder().encode('second version\n'));
    const { content, rights } = await app.openVersion(ws.ctx, 'plan.md.protected', earlier);
    assert.equal(new TextDecoder().decode(content), 'first version\n');
    assert.ok(rights.includes('OWNER'));
    assert.equal(ws.ctx.audit.actions().at(-1), 'open');

    const asBob = memoryContext(bob, ws);
    await assert.rejects(app.openVersion(asBob, 'plan.md.protected', earlier), (e) => isSensitivityError(e, 'E_NOT_GRANTEE'));
    assert.equal(asBob.audit.actions().at(-1), 'open.denied');
    const tampered = earlier.slice();
    tampered[tampered.length - 1]! ^= 1;
    await assert.rejects(app.openVersion(ws.ctx, 'plan.md.protected', tampered), (e) => isSensitivityError(e, 'E_INTEGRITY'));
  });
});

describe('app: keeping a label under pasted text', () => {
  it('needs a reason and records it; refuses when the label is already high enough', async () => {
    const ws = await labeled({ 'notes.md': ['x', 'general'] });
    await assert.rejects(app.keepLabelAfterPaste(ws.ctx, 'notes.md', 'highly-confidential-specific-people', ' '), (e) =>
      isSensitivityError(e, 'E_JUSTIFICATION_REQUIRED'),
    );
    await app.keepLabelAfterPaste(ws.ctx, 'notes.md', 'highly-confidential-specific-people', 'sample figures, already public');
    const entry = ws.ctx.audit.events.at(-1)!;
    assert.deepEqual(
      [entry.action, entry.file, entry.from, entry.to, entry.justification],
      ['paste.keep', 'notes.md', 'highly-confidential-specific-people', 'general', 'sample figures, already public'],
    );
    await assert.rejects(app.keepLabelAfterPaste(ws.ctx, 'notes.md', 'public', 'why not'), (e) => isSensitivityError(e, 'E_USAGE'));
  });
});
