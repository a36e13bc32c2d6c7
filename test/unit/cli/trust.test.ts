/**
 * Issue 9's attacks 2 and 3 against the real CLI, real processes and real files, as an attacker would
 * run them: a committed people.json whose Bob is Mallory, a `people add` of Bob's id with Mallory's key,
 * a `.sensitivity/` planted in a parent folder with an attacker's recovery key, and a commit that adds one.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fingerprint } from '../../../src/core/fingerprint.js';
import { DEFAULT_POLICY } from '../../../src/core/policy/index.js';
import { makePerson, tempDir, type Person } from './helpers.js';

/** The public identity a person's `id show --json` prints. */
const shown = (p: Person) => JSON.parse(p.run(['id', 'show', '--json']).stdout) as { id: string; email: string; enc: unknown; proof?: string };

const policyWith = (...recovery: Person[]) => JSON.stringify({ ...DEFAULT_POLICY, recovery: recovery.map(shown) }, null, 2);

describe('attack 2: people directory substitutions (CLI)', () => {
  const tmp = tempDir();
  const ws = join(tmp.path, 'ws');
  const peopleFile = join(ws, '.sensitivity', 'people.json');
  let alice: Person;
  let bob: Person;
  let mallory: Person;
  /** Mallory's identity that says "Bob <bob@example.com>". */
  let fakeBob: Person;

  before(() => {
    mkdirSync(join(ws, '.git'), { recursive: true });
    alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
    bob = makePerson(tmp.path, ws, 'Bob', 'bob@example.com');
    mallory = makePerson(tmp.path, ws, 'Mallory', 'mallory@example.com');
    fakeBob = makePerson(join(tmp.path, 'mallory2'), ws, 'Bob', 'bob@example.com');
    const r = alice.run(['people', 'add', '-'], { input: bob.run(['id', 'show', '--json']).stdout });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Fingerprint: ${fingerprint(shown(bob).id)} — pinned now`));
    writeFileSync(join(ws, 'plan.md'), 'the plan');
    const p = alice.run(['protect', 'plan.md', '--label', 'general', '--grant', 'bob@example.com=Viewer']);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, new RegExp(`Bob <bob@example.com>  fingerprint ${fingerprint(shown(bob).id)}  \\(pinned\\)`));
  });
  after(() => tmp.dispose());

  it('`people verify` shows the fingerprint Bob sees in `id show`', () => {
    const mine = bob.run(['id', 'show']);
    const theirs = alice.run(['people', 'verify', 'bob@example.com']);
    assert.equal(theirs.code, 0, theirs.stderr);
    const fp = fingerprint(shown(bob).id);
    assert.match(mine.stdout, new RegExp(`Fingerprint: ${fp}`));
    assert.match(theirs.stdout, new RegExp(`Fingerprint: ${fp}\\nPinned: yes`));
  });

  it("an edit of people.json that puts Mallory's self-signed 'Bob' in Bob's place is refused (exit 4, E_KEY_CHANGED, both fingerprints)", () => {
    const original = readFileSync(peopleFile, 'utf8');
    try {
      const json = JSON.parse(original) as { people: { email: string }[] };
      json.people = json.people.map((p) => (p.email === 'bob@example.com' ? shown(fakeBob) : p));
      writeFileSync(peopleFile, JSON.stringify(json, null, 2));
      const before = readFileSync(join(ws, 'plan.md.protected'));
      const g = alice.run(['grant', 'plan.md.protected', 'bob@example.com=Reviewer']);
      assert.equal(g.code, 4, g.stderr);
      assert.match(g.stderr, /\[E_KEY_CHANGED\]/);
      assert.ok(g.stderr.includes(fingerprint(shown(bob).id)) && g.stderr.includes(fingerprint(shown(fakeBob).id)), g.stderr);
      assert.match(g.stderr, /--accept-new-key/);
      assert.deepEqual(readFileSync(join(ws, 'plan.md.protected')), before, 'the file is untouched');
      const v = alice.run(['people', 'verify', 'bob@example.com']);
      assert.equal(v.code, 4);
      assert.match(v.stderr, /\[E_KEY_CHANGED\]/);
    } finally {
      writeFileSync(peopleFile, original);
    }
  });

  it("an edit that swaps Bob's encryption key for Mallory's, keeping Bob's id, is refused (exit 4, E_IDENTITY_SIGNATURE)", () => {
    const original = readFileSync(peopleFile, 'utf8');
    try {
      const json = JSON.parse(original) as { people: { email: string; enc: unknown }[] };
      json.people.find((p) => p.email === 'bob@example.com')!.enc = shown(mallory).enc;
      writeFileSync(peopleFile, JSON.stringify(json, null, 2));
      writeFileSync(join(ws, 'notes.md'), 'notes');
      const p = alice.run(['protect', 'notes.md', '--label', 'general', '--grant', 'bob@example.com=Viewer']);
      assert.equal(p.code, 4, p.stderr);
      assert.match(p.stderr, /changed after it was signed.*\[E_IDENTITY_SIGNATURE\]/);
      assert.match(p.stderr, /sensitivity id show --json/);
      assert.equal(readFileSync(join(ws, 'notes.md'), 'utf8'), 'notes', 'nothing protected');
    } finally {
      writeFileSync(peopleFile, original);
    }
  });

  it("`people add` of a file that keeps Bob's id with Mallory's key is refused without --replace, and with it", () => {
    const forged = { ...shown(bob), enc: shown(mallory).enc };
    for (const flags of [[], ['--replace']]) {
      const r = alice.run(['people', 'add', '-', ...flags], { input: JSON.stringify(forged) });
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /\[E_IDENTITY_SIGNATURE\]/);
    }
    const { proof: _proof, ...unsigned } = forged;
    const u = alice.run(['people', 'add', '-'], { input: JSON.stringify(unsigned) });
    assert.equal(u.code, 4);
    assert.match(u.stderr, /not self-signed.*\[E_IDENTITY_UNSIGNED\]/);
    assert.equal(JSON.parse(readFileSync(peopleFile, 'utf8')).people.find((p: { email: string }) => p.email === 'bob@example.com').id, shown(bob).id);
  });

  it("`people add --replace` of Mallory's 'Bob' is E_KEY_CHANGED; --accept-new-key confirms it after comparing", () => {
    const input = fakeBob.run(['id', 'show', '--json']).stdout;
    const r = alice.run(['people', 'add', '-', '--replace'], { input });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /\[E_KEY_CHANGED\]/);
    const ok = alice.run(['people', 'add', '-', '--replace', '--accept-new-key'], { input });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /replaces the key you had pinned/);
    assert.match(alice.run(['audit']).stdout, /pin\.change/);
  });
});

describe('attack 3: the workspace boundary (CLI)', () => {
  const tmp = tempDir();
  let alice: Person;
  let mallory: Person;
  let org: Person;

  before(() => {
    alice = makePerson(tmp.path, tmp.path, 'Alice', 'alice@example.com');
    mallory = makePerson(tmp.path, tmp.path, 'Mallory', 'mallory@example.com');
    org = makePerson(tmp.path, tmp.path, 'Recovery', 'recovery@example.com');
  });
  after(() => tmp.dispose());

  /** A shared parent folder with a planted policy naming Mallory's recovery key, and a project below it. */
  function planted(name: string, git: boolean) {
    const shared = join(tmp.path, name);
    const project = join(shared, 'project');
    mkdirSync(join(shared, '.sensitivity'), { recursive: true });
    writeFileSync(join(shared, '.sensitivity', 'policy.json'), policyWith(mallory));
    mkdirSync(project, { recursive: true });
    if (git) mkdirSync(join(project, '.git'));
    writeFileSync(join(project, 'plan.md'), 'the plan');
    return { shared, project };
  }

  it('a parent .sensitivity/ above the git root is never reached: protected for Alice alone', () => {
    const { project } = planted('above-git', true);
    const r = alice.run(['protect', 'plan.md', '--label', 'general'], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(alice.run(['inspect', 'plan.md.protected', '--json'], { cwd: project }).stdout) as { grants: { email: string }[] };
    assert.deepEqual(
      info.grants.map((g) => g.email),
      ['alice@example.com'],
    );
  });

  it('a parent .sensitivity/ anyone may write is ignored with a warning', () => {
    const { shared, project } = planted('world-writable', false);
    chmodSync(join(shared, '.sensitivity'), 0o777);
    const r = alice.run(['protect', 'plan.md', '--label', 'general'], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: ignoring .*world-writable\/\.sensitivity: anyone may write to it/);
    const info = JSON.parse(alice.run(['inspect', 'plan.md.protected', '--json'], { cwd: project }).stdout) as { grants: { email: string }[] };
    assert.deepEqual(
      info.grants.map((g) => g.email),
      ['alice@example.com'],
    );
  });

  it(
    'a parent .sensitivity/ owned by another user is ignored with a warning',
    { skip: process.getuid?.() !== 0 && 'needs root to give a folder to another user' },
    () => {
      const { shared, project } = planted('other-owner', false);
      chownSync(join(shared, '.sensitivity'), 65534, 65534);
      const r = alice.run(['policy', 'show'], { cwd: project });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /warning: ignoring .*other-owner\/\.sensitivity: it belongs to another user \(uid 65534\)/);
      assert.doesNotMatch(r.stdout, /Workspace keys/);
    },
  );

  it('a parent .sensitivity/ of your own with a recovery key is not silently effective: protect stops (exit 3) and prints its fingerprint', () => {
    const { project } = planted('own-parent', false);
    const r = alice.run(['protect', 'plan.md', '--label', 'general'], { cwd: project });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /\[E_POLICY_UNACCEPTED\]/);
    assert.ok(r.stderr.includes(fingerprint(shown(mallory).id)), r.stderr);
    assert.match(r.stderr, /sensitivity policy accept/);
    assert.equal(readFileSync(join(project, 'plan.md'), 'utf8'), 'the plan');
  });

  it('a commit adding a recovery key to an accepted policy stops protect until the new set is accepted', () => {
    const ws = join(tmp.path, 'repo');
    mkdirSync(join(ws, '.git'), { recursive: true });
    mkdirSync(join(ws, '.sensitivity'));
    writeFileSync(join(ws, '.sensitivity', 'policy.json'), policyWith(org));
    const show = alice.run(['policy', 'show'], { cwd: ws });
    assert.match(show.stdout, /NOT accepted by you/);
    const acc = alice.run(['policy', 'accept'], { cwd: ws });
    assert.equal(acc.code, 0, acc.stderr);
    assert.ok(acc.stdout.includes(`recovery  Recovery <recovery@example.com>  ${fingerprint(shown(org).id)}`), acc.stdout);
    writeFileSync(join(ws, 'a.md'), 'a');
    assert.equal(alice.run(['protect', 'a.md', '--label', 'general'], { cwd: ws }).code, 0);
    const a = JSON.parse(alice.run(['inspect', 'a.md.protected', '--json'], { cwd: ws }).stdout) as { grants: { email: string; recovery: boolean }[] };
    assert.deepEqual(
      a.grants.filter((g) => g.recovery).map((g) => g.email),
      ['recovery@example.com'],
    );
    // The malicious commit.
    writeFileSync(join(ws, '.sensitivity', 'policy.json'), policyWith(org, mallory));
    writeFileSync(join(ws, 'b.md'), 'b');
    const b = alice.run(['protect', 'b.md', '--label', 'general'], { cwd: ws });
    assert.equal(b.code, 3, b.stderr);
    assert.ok(b.stderr.includes(fingerprint(shown(mallory).id)), b.stderr);
    assert.equal(readFileSync(join(ws, 'b.md'), 'utf8'), 'b');
  });

  it('a workspace whose own .sensitivity/ anyone may write is refused (E_WORKSPACE_UNSAFE), never written to', () => {
    const ws = join(tmp.path, 'open-repo');
    mkdirSync(join(ws, '.git'), { recursive: true });
    mkdirSync(join(ws, '.sensitivity'));
    chmodSync(join(ws, '.sensitivity'), 0o777);
    writeFileSync(join(ws, 'a.md'), 'a');
    const r = alice.run(['label', 'set', 'a.md', '--label', 'general'], { cwd: ws });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /\[E_WORKSPACE_UNSAFE\]/);
  });
});
