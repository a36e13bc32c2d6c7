/**
 * Committed symbolic links in `.sensitivity/` (issue 20, item 6): a link for policy.json, people.json or
 * labels.json, or for the folder itself, pointing out of the repository into a file another user owns
 * (who could later add a default grant to herself with no diff in the repository), is never followed:
 * every command refuses the workspace's own files with E_WORKSPACE_UNSAFE, and nothing is protected under
 * the linked policy. Real links, real files, the stock CLI.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { introduce, makePerson, tempDir, type Person } from './helpers.js';

/** Somebody else: a uid no account here uses (chown needs root; otherwise the file is at least outside the repository). */
const OTHER_UID = 4242;
const asRoot = process.getuid?.() === 0;

describe('symbolic links in .sensitivity/ are not followed', () => {
  const tmp = tempDir();
  const ws = join(tmp.path, 'repo');
  const elsewhere = join(tmp.path, 'elsewhere');
  const dot = join(ws, '.sensitivity');
  let alice: Person;
  let mallory: Person;
  let people: string;

  /** A policy whose only label grants Mallory by default: what the other user would slip in. */
  const hostilePolicy = JSON.stringify({
    version: 1,
    labels: [{ id: 'secret', name: 'Secret', protection: { required: true, grants: [{ to: 'mallory@example.com', role: 'Co-Owner' }] } }],
    defaultLabel: 'secret',
  });

  /** `content` written outside the repository, owned by another user when we can. */
  function foreignFile(name: string, content: string): string {
    mkdirSync(elsewhere, { recursive: true });
    const p = join(elsewhere, name);
    writeFileSync(p, content, { mode: 0o644 });
    if (asRoot) chownSync(p, OTHER_UID, OTHER_UID);
    return p;
  }

  before(() => {
    mkdirSync(dot, { recursive: true });
    spawnSync('git', ['init', '-q', ws]);
    alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
    mallory = makePerson(tmp.path, ws, 'Mallory', 'mallory@example.com');
    introduce(alice, mallory);
    people = readFileSync(join(dot, 'people.json'), 'utf8');
  });
  beforeEach(() => {
    rmSync(dot, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
    mkdirSync(dot);
    writeFileSync(join(dot, 'people.json'), people);
    writeFileSync(join(ws, 'plan.txt'), 'the plan\n');
    rmSync(join(ws, 'plan.txt.protected'), { force: true });
  });
  after(() => tmp.dispose());

  function refused(args: readonly string[], what: string, input?: string): void {
    const r = alice.run(args, input === undefined ? {} : { input });
    assert.equal(r.code, 4, `${args.join(' ')}: exit ${r.code}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /\[E_WORKSPACE_UNSAFE\]/, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(what), r.stderr);
  }

  function nothingProtected(): void {
    const r = alice.run(['protect', 'plan.txt']);
    assert.notEqual(r.code, 0, `protect went ahead: ${r.stdout}`);
    assert.match(r.stderr, /\[E_WORKSPACE_UNSAFE\]/);
    assert.equal(spawnSync('test', ['-e', join(ws, 'plan.txt.protected')]).status, 1, 'no protected file was written');
  }

  it('policy.json linked to another user’s file', () => {
    symlinkSync(foreignFile('policy.json', hostilePolicy), join(dot, 'policy.json'));
    refused(['policy', 'show'], 'policy\\.json: is not used: it is a symbolic link');
    nothingProtected();
  });

  it('people.json linked to another user’s file', () => {
    rmSync(join(dot, 'people.json'));
    symlinkSync(foreignFile('people.json', people), join(dot, 'people.json'));
    refused(['protect', 'plan.txt', '--grant', 'mallory@example.com=Viewer'], 'people\\.json: is not used: it is a symbolic link');
    refused(['people', 'add', '-'], 'people\\.json: is not used', mallory.run(['id', 'show', '--json']).stdout);
  });

  it('labels.json linked out of the repository', () => {
    symlinkSync(foreignFile('labels.json', JSON.stringify({ version: 1, files: {} })), join(dot, 'labels.json'));
    refused(['label', 'set', 'plan.txt', '--label', 'Public'], 'labels\\.json: is not used');
    refused(['label', 'list'], 'labels\\.json: is not used');
  });

  it('the .sensitivity folder itself linked to another user’s folder', () => {
    rmSync(dot, { recursive: true, force: true });
    mkdirSync(elsewhere, { recursive: true });
    foreignFile('policy.json', hostilePolicy);
    writeFileSync(join(elsewhere, 'people.json'), people);
    if (asRoot) chownSync(elsewhere, OTHER_UID, OTHER_UID);
    // Owned by us (as a link checked out by git would be): only the link itself says it is not ours.
    const mine = join(tmp.path, 'mine');
    mkdirSync(mine, { recursive: true });
    writeFileSync(join(mine, 'policy.json'), hostilePolicy);
    writeFileSync(join(mine, 'people.json'), people);
    for (const target of asRoot ? [elsewhere, mine] : [mine]) {
      rmSync(dot, { force: true });
      symlinkSync(target, dot);
      refused(['policy', 'show'], 'symbolic link');
      nothingProtected();
    }
  });

  it('a real file of ours is still read', () => {
    writeFileSync(join(dot, 'policy.json'), hostilePolicy.replace('mallory@example.com', 'alice@example.com'));
    const r = alice.run(['policy', 'show']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Secret/);
  });
});
