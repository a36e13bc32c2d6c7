/** The `sensitivity` CLI as a real subprocess: the contract of issue 2 (commands, exit codes, files). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as app from '../../../src/core/app/index.js';
import { auditPath, readHomeIdentity } from '../../../src/node/home.js';
import { auditLogSink, sessionIn } from '../../../src/node/session.js';
import { openWorkspace } from '../../../src/node/workspace.js';
import { introduce, makePerson, tempDir, type Person } from './helpers.js';

const SECRET = 'the launch date is 2027-03-01 and the code word is BLUEBIRD\n';

describe('sensitivity CLI', () => {
  const tmp = tempDir();
  const ws = join(tmp.path, 'ws');
  let alice: Person;
  let bob: Person;
  let carol: Person;

  before(() => {
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
    bob = makePerson(tmp.path, ws, 'Bob', 'bob@example.com');
    carol = makePerson(tmp.path, ws, 'Carol', 'carol@example.com');
    introduce(alice, bob);
    introduce(alice, carol);
  });
  after(() => tmp.dispose());

  const write = (name: string, text: string) => {
    writeFileSync(join(ws, name), text);
    return name;
  };

  it('prints usage with exit 0 for --help and exit 2 for an unknown command', () => {
    assert.equal(alice.run(['--help']).code, 0);
    const r = alice.run(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\nsensitivity: unknown command "frobnicate"\n/);
  });

  it('--version prints the package version and exits 0', () => {
    const r = alice.run(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `sensitivity ${(JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version}\n`);
  });

  it('id show --json prints a public identity without private keys', () => {
    const r = alice.run(['id', 'show', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const id = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(id.email, 'alice@example.com');
    assert.doesNotMatch(r.stdout, /"d"/);
    assert.equal(statSync(join(alice.home, 'identity.json')).mode & 0o777, 0o600);
  });

  it('id new refuses to replace an identity without --force', () => {
    const r = alice.run(['id', 'new', '--name', 'A2', '--email', 'a2@example.com']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /E_IDENTITY_EXISTS/);
  });

  it('exports and imports an identity through a passphrase file; a wrong passphrase is refused', () => {
    const file = join(tmp.path, 'alice.identity');
    const env = { SENSITIVITY_PASSPHRASE: 'correct horse battery' };
    assert.equal(alice.run(['id', 'export', file], { env }).code, 0);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /alice@example.com/, 'the export is encrypted');
    const other = join(tmp.path, 'restored');
    const restore = (pass: string) => alice.run(['id', 'import', file], { env: { SENSITIVITY_PASSPHRASE: pass, SENSITIVITY_HOME: other } });
    const wrong = restore('wrong passphrase');
    assert.equal(wrong.code, 4);
    assert.match(wrong.stderr, /E_PASSPHRASE/);
    assert.equal(restore(env.SENSITIVITY_PASSPHRASE).code, 0);
    assert.deepEqual(JSON.parse(readFileSync(join(other, 'identity.json'), 'utf8')), JSON.parse(readFileSync(join(alice.home, 'identity.json'), 'utf8')));
  });

  it('labels plain files, refuses a downgrade without justification, and lists them', () => {
    write('plan.md', '# plan\n');
    assert.equal(alice.run(['label', 'set', 'plan.md', '--label', 'General']).code, 0);
    const get = alice.run(['label', 'get', 'plan.md', '--json']);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /General/);
    const down = alice.run(['label', 'set', 'plan.md', '--label', 'Public']);
    assert.equal(down.code, 3);
    assert.match(down.stderr, /plan\.md/);
    assert.match(down.stderr, /justification/i);
    assert.equal(alice.run(['label', 'set', 'plan.md', '--label', 'Public', '--justification', 'published']).code, 0);
    const manifest = JSON.parse(readFileSync(join(ws, '.sensitivity', 'labels.json'), 'utf8')) as { files: Record<string, { justification?: string }> };
    assert.equal(manifest.files['plan.md']?.justification, 'published');
    const list = alice.run(['label', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /plan\.md/);
  });

  it('applies a label whose protection is required by protecting the file (--protect), else refuses with the command to run', () => {
    write('launch.md', '# launch\n');
    const refused = alice.run(['label', 'set', 'launch.md', '--label', 'Confidential/Specific People']);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /launch\.md: Confidential \/ Specific People requires protection/);
    assert.match(refused.stderr, /Run `sensitivity label set launch\.md --label 'Confidential\/Specific People' --protect`/);
    assert.match(refused.stderr, /\[E_PROTECTION_REQUIRED\]/);
    assert.match(alice.run(['label', 'get', 'launch.md']).stdout, /\(no label\)/, 'nothing was labeled');
    const done = alice.run(['label', 'set', 'launch.md', '--label', 'Confidential/Specific People', '--protect', '--grant', 'bob@example.com=Viewer']);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /launch\.md: confidential-specific-people \(protected: .*launch\.md\.protected\)/);
    assert.equal(existsSync(join(ws, 'launch.md')), false, 'no plaintext left');
    const inspected = alice.run(['inspect', 'launch.md.protected', '--json']);
    assert.equal(inspected.code, 0, inspected.stderr);
    const info = JSON.parse(inspected.stdout) as { label: { id: string }; grants: { email: string; role: string }[] };
    assert.equal(info.label.id, 'confidential-specific-people');
    assert.deepEqual(info.grants.map((g) => `${g.email} ${g.role}`).sort(), ['alice@example.com Co-Owner', 'bob@example.com Viewer']);
  });

  it('group commands have --help (exit 0), a bare group lists its commands (exit 2); policy show prints no literal escapes', () => {
    for (const group of ['key-service', 'label', 'people', 'id']) {
      const r = alice.run([group, '--help']);
      assert.equal(r.code, 0, `${group} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`sensitivity ${group} \\S+`));
    }
    assert.equal(alice.run(['key-service']).code, 2);
    const shown = alice.run(['policy', 'show']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.doesNotMatch(shown.stdout, /\\n/);
    assert.match(shown.stdout, /^ {4}Business data specifically prepared/m);
    assert.match(shown.stdout, /All Employees {2}\[confidential-all-employees\] {2}\(protects: applying it encrypts the file\)/);
  });

  it('refuses a parent label that has sublabels (usage error)', () => {
    write('parent.md', 'x');
    const r = alice.run(['label', 'set', 'parent.md', '--label', 'Confidential']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /All Employees/);
  });

  it('protects, inspects, cats and unprotects for the owner', () => {
    write('secret.txt', SECRET);
    const p = alice.run(['protect', 'secret.txt', '--label', 'Highly Confidential/Specific People', '--grant', 'bob@example.com=Viewer']);
    assert.equal(p.code, 0, p.stderr);
    assert.ok(!existsSync(join(ws, 'secret.txt')), 'protect removes the plain file');
    assert.ok(!readFileSync(join(ws, 'secret.txt.protected')).toString('latin1').includes('BLUEBIRD'));
    const inspect = alice.run(['inspect', 'secret.txt.protected', '--json']);
    assert.equal(inspect.code, 0, inspect.stderr);
    const info = JSON.parse(inspect.stdout) as { label: { name: string }; grants: { email: string; role: string }[]; yourRights: string[] };
    assert.match(info.label.name, /Specific People/);
    assert.deepEqual(info.grants.map((g) => `${g.email}=${g.role}`).sort(), ['alice@example.com=Co-Owner', 'bob@example.com=Viewer']);
    assert.ok(info.yourRights.includes('OWNER'));
    const cat = alice.run(['cat', 'secret.txt.protected']);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, SECRET);
  });

  it('lets a Viewer read but not export, and denies a non-grantee (exit 3, no plaintext)', () => {
    const bobCat = bob.run(['cat', 'secret.txt.protected']);
    assert.equal(bobCat.code, 0, bobCat.stderr);
    assert.equal(bobCat.stdout, SECRET);
    const bobExport = bob.run(['unprotect', 'secret.txt.protected', '--keep']);
    assert.equal(bobExport.code, 3);
    // People's words (issue 22): the right as people read it, the stable code at the end of the line.
    assert.match(bobExport.stderr, /you may view, see access, not export; .*\[E_RIGHT_MISSING\]$/m);
    const carolCat = carol.run(['cat', 'secret.txt.protected']);
    assert.equal(carolCat.code, 3);
    assert.equal(carolCat.stdout, '');
    assert.match(carolCat.stderr, /secret\.txt\.protected/);
    assert.match(carolCat.stderr, /alice@example\.com/, 'a denial says who owns the file');
    assert.equal(bob.run(['grant', 'secret.txt.protected', 'carol@example.com=Viewer']).code, 3, 'only an owner grants');
  });

  it('grants, then revokes with key rotation: the revoked person cannot open the new file', () => {
    assert.equal(alice.run(['grant', 'secret.txt.protected', 'carol@example.com=Reviewer']).code, 0);
    assert.equal(carol.run(['cat', 'secret.txt.protected']).stdout, SECRET);
    const before = readFileSync(join(ws, 'secret.txt.protected'));
    const r = alice.run(['revoke', 'secret.txt.protected', 'bob@example.com']);
    assert.equal(r.code, 0, r.stderr);
    assert.notDeepEqual(readFileSync(join(ws, 'secret.txt.protected')), before);
    const bobCat = bob.run(['cat', 'secret.txt.protected']);
    assert.equal(bobCat.code, 3);
    assert.equal(bobCat.stdout, '');
    assert.equal(carol.run(['cat', 'secret.txt.protected']).stdout, SECRET, 'others keep access after rotation');
  });

  it('refuses tampered envelopes with exit 4 and prints no plaintext', () => {
    const path = join(ws, 'secret.txt.protected');
    const good = readFileSync(path);
    for (const at of [10, Math.floor(good.length / 2), good.length - 1]) {
      const bad = Buffer.from(good);
      bad[at]! ^= 0x01;
      writeFileSync(join(ws, 'tampered.txt.protected'), bad);
      const r = alice.run(['cat', 'tampered.txt.protected']);
      assert.equal(r.code, 4, `flip at ${at}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /tampered\.txt\.protected/);
    }
    writeFileSync(join(ws, 'truncated.txt.protected'), good.subarray(0, good.length - 7));
    const t = alice.run(['cat', 'truncated.txt.protected']);
    assert.equal(t.code, 4);
    assert.equal(t.stdout, '');
  });

  it('unprotects for the owner and restores the plain file atomically', () => {
    const r = alice.run(['unprotect', 'secret.txt.protected']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(ws, 'secret.txt'), 'utf8'), SECRET);
    assert.ok(!existsSync(join(ws, 'secret.txt.protected')));
  });

  it('enforces expiry (exit 3) once the expiry time has passed', async () => {
    // No waiting for a deadline to pass (a loaded machine starts a subprocess seconds late): one file
    // expires in an hour, another was protected two hours ago, by the same code with the clock set back,
    // and expired an hour ago.
    write('soon.txt', 'short-lived\n');
    const later = new Date(Date.now() + 3_600_000);
    const p = alice.run(['protect', 'soon.txt', '--label', 'General', '--expires', later.toISOString()]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(alice.run(['cat', 'soon.txt.protected']).code, 0, 'opens before it expires');

    write('past.txt', 'short-lived\n');
    const twoHoursAgo = { now: () => new Date(Date.now() - 7_200_000) };
    const s = sessionIn(openWorkspace(ws), await readHomeIdentity(alice.home), auditLogSink(auditPath(alice.home)), twoHoursAgo);
    await app.protect(s, 'past.txt', { label: 'General', expires: new Date(Date.now() - 3_600_000) });
    const r = alice.run(['cat', 'past.txt.protected']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /expired/);
    assert.equal(r.stdout, '', 'nothing released');
  });

  it('keeps a hash-chained audit log that detects an edited entry', () => {
    const ok = alice.run(['audit', '--verify']);
    assert.equal(ok.code, 0, ok.stderr);
    const log = join(alice.home, 'audit.jsonl');
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.ok(lines.length >= 5);
    assert.ok(lines.some((l) => l.includes('"protect"')));
    const edited = lines.map((l, i) => (i === 2 ? l.replace(/"ts":"[^"]+"/, '"ts":"2000-01-01T00:00:00.000Z"') : l));
    writeFileSync(log, edited.join('\n') + '\n');
    const bad = alice.run(['audit', '--verify']);
    assert.equal(bad.code, 4);
    assert.match(bad.stderr, /line 3/);
  });

  it('names the file and the fix in usage errors', () => {
    const r = alice.run(['cat', 'missing.protected']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /missing\.protected/);
    assert.equal(alice.run(['protect']).code, 2);
    assert.equal(alice.run(['protect', 'x', '--grant', 'nobody']).code, 2);
  });
});
