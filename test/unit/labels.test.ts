/** The labels manifest `.sensitivity/labels.json`: parse, serialize, set, remove, rename, delete. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSensitivityError, type ErrorCode } from '../../src/core/errors.js';
import {
  EMPTY_MANIFEST,
  getLabel,
  normalizeRelPath,
  parseManifest,
  removeLabel,
  removePath,
  renamePath,
  serializeManifest,
  setLabel,
  type LabelsManifest,
} from '../../src/core/labels/index.js';
import { DEFAULT_POLICY, parsePolicy } from '../../src/core/policy/index.js';

const alice = { id: 'xJqYeppLbSsKluD_rsC-ojuYS6DkZpTi4hUVJJFlQ4U', email: 'alice@example.com', name: 'Alice' };
const now = new Date('2025-03-01T10:00:00.000Z');
const opts = { policy: DEFAULT_POLICY, now };

function throwsCode(f: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isSensitivityError(e, code), `expected ${code}, got ${String(e)}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** A manifest with the given path → label id entries, set by Alice. */
function manifestOf(entries: Record<string, string>): LabelsManifest {
  let m = EMPTY_MANIFEST;
  for (const [path, label] of Object.entries(entries)) m = setLabel(m, path, label, alice, opts).manifest;
  return m;
}

describe('labels manifest: set and get', () => {
  it('records label id, who and when; a first label is "new"', () => {
    const { manifest, change } = setLabel(EMPTY_MANIFEST, 'docs/plan.md', 'Confidential/All Employees', alice, opts);
    assert.deepEqual(change, { to: 'confidential-all-employees', direction: 'new' });
    assert.deepEqual(getLabel(manifest, 'docs/plan.md'), { label: 'confidential-all-employees', setBy: alice, setAt: '2025-03-01T10:00:00.000Z' });
    assert.deepEqual(EMPTY_MANIFEST.files, {}, 'input not mutated');
  });

  it('upgrade, same (manifest returned as is) and downgrade with justification', () => {
    const m1 = manifestOf({ 'a.txt': 'general' });
    const up = setLabel(m1, 'a.txt', 'highly-confidential-specific-people', alice, opts);
    assert.deepEqual(up.change, { from: 'general', to: 'highly-confidential-specific-people', direction: 'upgrade' });
    const same = setLabel(up.manifest, 'a.txt', 'Highly Confidential/Specific People', alice, { ...opts, now: new Date() });
    assert.equal(same.change.direction, 'same');
    assert.strictEqual(same.manifest, up.manifest);
    const down = setLabel(up.manifest, 'a.txt', 'public', alice, { ...opts, justification: '  released at the conference ' });
    assert.deepEqual(down.change, { from: 'highly-confidential-specific-people', to: 'public', direction: 'downgrade' });
    assert.equal(getLabel(down.manifest, 'a.txt')?.justification, 'released at the conference');
    assert.equal(getLabel(up.manifest, 'a.txt')?.label, 'highly-confidential-specific-people', 'input not mutated');
  });

  it('refuses a downgrade without justification when the policy requires one (E_JUSTIFICATION_REQUIRED)', () => {
    const m = manifestOf({ 'a.txt': 'confidential-all-employees' });
    throwsCode(
      () => setLabel(m, 'a.txt', 'General', alice, opts),
      'E_JUSTIFICATION_REQUIRED',
      /from Confidential \/ All Employees to General needs a justification$/,
    );
    assert.throws(
      () => setLabel(m, 'a.txt', 'General', alice, opts),
      (e: unknown) => isSensitivityError(e) && e.details.hint === 'give-justification' && e.details.to === 'General',
    );
    throwsCode(() => setLabel(m, 'a.txt', 'General', alice, { ...opts, justification: '   ' }), 'E_JUSTIFICATION_REQUIRED');
    assert.throws(
      () => setLabel(m, 'a.txt', 'General', alice, opts),
      (e: unknown) => isSensitivityError(e) && e.file === 'a.txt',
    );
    // Within a parent, Specific People → All Employees widens the audience: a downgrade too.
    const sp = manifestOf({ 'b.txt': 'confidential-specific-people' });
    throwsCode(() => setLabel(sp, 'b.txt', 'confidential-all-employees', alice, opts), 'E_JUSTIFICATION_REQUIRED');
  });

  it('allows a downgrade without justification when the policy does not require one, or with force', () => {
    const lax = parsePolicy(JSON.stringify({ ...DEFAULT_POLICY, requireDowngradeJustification: false }));
    const m = manifestOf({ 'a.txt': 'confidential-all-employees' });
    assert.equal(setLabel(m, 'a.txt', 'public', alice, { policy: lax, now }).change.direction, 'downgrade');
    assert.equal(setLabel(m, 'a.txt', 'public', alice, { ...opts, force: true }).change.direction, 'downgrade');
  });

  it('a label the policy no longer knows counts as a downgrade (it cannot be shown not to be one)', () => {
    const m = parseManifest(JSON.stringify({ version: 1, files: { 'x.md': { label: 'retired', setBy: alice, setAt: now.toISOString() } } }));
    throwsCode(() => setLabel(m, 'x.md', 'highly-confidential-all-employees', alice, opts), 'E_JUSTIFICATION_REQUIRED', /from retired to/);
    assert.equal(setLabel(m, 'x.md', 'highly-confidential-all-employees', alice, { ...opts, justification: 'policy changed' }).change.direction, 'downgrade');
  });

  it('refuses unknown labels and parents with sublabels', () => {
    throwsCode(() => setLabel(EMPTY_MANIFEST, 'a', 'Top Secret', alice, opts), 'E_LABEL_UNKNOWN');
    throwsCode(() => setLabel(EMPTY_MANIFEST, 'a', 'Confidential', alice, opts), 'E_LABEL_NOT_APPLICABLE');
  });

  it('paths: one spelling; outside the workspace is E_USAGE', () => {
    assert.equal(normalizeRelPath('./a//b/'), 'a/b');
    const m = manifestOf({ './docs//x.md': 'general' });
    assert.deepEqual(Object.keys(m.files), ['docs/x.md']);
    assert.ok(getLabel(m, 'docs/x.md'));
    for (const bad of ['', '/etc/passwd', '../up', 'a/../b', 'a/./b', '.'])
      throwsCode(() => normalizeRelPath(bad), 'E_USAGE', /not a path inside the workspace/);
  });

  it('a path named like an Object property is only a path', () => {
    assert.equal(getLabel(EMPTY_MANIFEST, '__proto__'), undefined);
    assert.equal(getLabel(EMPTY_MANIFEST, 'constructor'), undefined);
    const set = setLabel(EMPTY_MANIFEST, '__proto__', 'general', alice, opts).manifest;
    assert.equal(getLabel(set, '__proto__')?.label, 'general');
    assert.deepEqual(Object.keys(parseManifest(serializeManifest(set)).files), ['__proto__']);
    assert.equal(Object.getPrototypeOf(set.files), Object.prototype);
    assert.equal(getLabel(renamePath(set, '__proto__', 'ok'), 'ok')?.label, 'general');
  });
});

describe('labels manifest: remove', () => {
  it('a removal is a downgrade to none: justification required by the default policy', () => {
    const m = manifestOf({ 'a.txt': 'general', 'b.txt': 'public' });
    throwsCode(() => removeLabel(m, 'a.txt', { policy: DEFAULT_POLICY }), 'E_JUSTIFICATION_REQUIRED', /removing the label General is a downgrade/);
    const r = removeLabel(m, 'a.txt', { policy: DEFAULT_POLICY, justification: 'not ours' });
    assert.deepEqual(r.change, { from: 'general', direction: 'downgrade' });
    assert.equal(getLabel(r.manifest, 'a.txt'), undefined);
    assert.ok(getLabel(r.manifest, 'b.txt'));
    assert.ok(getLabel(m, 'a.txt'), 'input not mutated');
    const lax = parsePolicy(JSON.stringify({ version: 1, labels: [{ id: 'general', name: 'General' }] }));
    assert.equal(getLabel(removeLabel(m, 'a.txt', { policy: lax }).manifest, 'a.txt'), undefined);
  });

  it('E_NOT_FOUND when there is no label to remove', () => {
    throwsCode(() => removeLabel(EMPTY_MANIFEST, 'a.txt', { policy: DEFAULT_POLICY, justification: 'x' }), 'E_NOT_FOUND', /has no label/);
  });
});

describe('labels manifest: renames and deletes keep it in step', () => {
  const m = manifestOf({ 'docs/a.md': 'general', 'docs/sub/b.md': 'public', 'docs-old/c.md': 'general', 'x.md': 'public' });

  it('renames a file', () => {
    const r = renamePath(m, 'x.md', 'y.md');
    assert.equal(getLabel(r, 'x.md'), undefined);
    assert.equal(getLabel(r, 'y.md')?.label, 'public');
    assert.ok(getLabel(m, 'x.md'), 'input not mutated');
  });

  it('renames a directory with everything under it, not its look-alike siblings', () => {
    const r = renamePath(m, 'docs', 'papers/docs');
    assert.deepEqual(Object.keys(r.files).sort(), ['docs-old/c.md', 'papers/docs/a.md', 'papers/docs/sub/b.md', 'x.md']);
  });

  it('a rename onto a labeled path replaces its label; a rename of nothing changes nothing', () => {
    const r = renamePath(m, 'x.md', 'docs/a.md');
    assert.equal(getLabel(r, 'docs/a.md')?.label, 'public');
    assert.equal(Object.keys(r.files).length, 3);
    assert.strictEqual(renamePath(m, 'nothing.md', 'else.md'), m);
    assert.strictEqual(renamePath(m, 'x.md', './x.md'), m);
  });

  it('removes a file, or a directory with everything under it', () => {
    assert.deepEqual(Object.keys(removePath(m, 'docs').files).sort(), ['docs-old/c.md', 'x.md']);
    assert.deepEqual(Object.keys(removePath(m, 'x.md').files).length, 3);
    assert.strictEqual(removePath(m, 'missing'), m);
  });
});

describe('labels manifest: parse and serialize', () => {
  it('serializes stably: sorted paths, fixed field order, 2 spaces, trailing newline; round-trips', () => {
    const a = manifestOf({ 'z.md': 'public', 'a.md': 'general', 'B.md': 'public' });
    const b = manifestOf({ 'B.md': 'public', 'a.md': 'general', 'z.md': 'public' });
    const text = serializeManifest(a);
    assert.equal(text, serializeManifest(b));
    assert.ok(text.endsWith('}\n'));
    assert.deepEqual(Object.keys(JSON.parse(text).files), ['B.md', 'a.md', 'z.md']);
    assert.match(text, /^\{\n {2}"version": 1,\n {2}"files": \{\n {4}"B\.md": \{\n {6}"label": "public",\n {6}"setBy": \{/);
    assert.deepEqual(parseManifest(text), a);
    assert.equal(serializeManifest(parseManifest(text)), text);
  });

  it('no file yet is an empty manifest', () => {
    assert.deepEqual(parseManifest(undefined), EMPTY_MANIFEST);
    assert.equal(serializeManifest(EMPTY_MANIFEST), '{\n  "version": 1,\n  "files": {}\n}\n');
  });

  const entry = { label: 'general', setBy: alice, setAt: '2025-03-01T10:00:00.000Z' };
  const bad: [string, string, RegExp][] = [
    ['not JSON', '{', /not valid JSON/],
    ['no files', JSON.stringify({ version: 1 }), /\/files: is required/],
    ['an entry without a label', JSON.stringify({ version: 1, files: { a: { setBy: alice, setAt: entry.setAt } } }), /\/files\/a\/label: is required/],
    ['a bad label id', JSON.stringify({ version: 1, files: { a: { ...entry, label: 'has space' } } }), /\/files\/a\/label/],
    [
      'a bad date',
      JSON.stringify({ version: 1, files: { a: { ...entry, setAt: 'yesterday' } } }),
      /\/files\/a\/setAt: An RFC 3339 date-time such as 2025-01-31T12:00:00.000Z \(got "yesterday"\)/,
    ],
    ['setBy without email', JSON.stringify({ version: 1, files: { a: { ...entry, setBy: { id: 'x', name: 'X' } } } }), /\/files\/a\/setBy\/email: is required/],
    ['an unknown field', JSON.stringify({ version: 1, files: { a: { ...entry, who: 'me' } } }), /\/files\/a\/who: unknown property/],
    ['an empty justification', JSON.stringify({ version: 1, files: { a: { ...entry, justification: '' } } }), /justification/],
    ['an absolute path', JSON.stringify({ version: 1, files: { '/etc/passwd': entry } }), /"\/etc\/passwd" is not a normalized workspace-relative path/],
    ['an unnormalized path', JSON.stringify({ version: 1, files: { './a': entry } }), /"\.\/a" is not a normalized/],
    ['a path escaping the workspace', JSON.stringify({ version: 1, files: { '../a': entry } }), /"\.\.\/a"/],
  ];
  for (const [name, text, message] of bad) {
    it(`refuses ${name} (E_MANIFEST_INVALID)`, () => throwsCode(() => parseManifest(text, 'labels.json'), 'E_MANIFEST_INVALID', message));
  }

  it('a newer version is E_UNSUPPORTED_VERSION', () => {
    throwsCode(() => parseManifest(JSON.stringify({ version: 2, files: {}, extra: 1 })), 'E_UNSUPPORTED_VERSION');
  });
});
