/**
 * Issue 20, history nobody can rewrite: each attack as its attacker would run it against the real CLI in a
 * real git repository (the attacker's byte edits with the project's own primitives, `history-fixtures.ts`),
 * and the branch workflow that must keep working.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as app from '../../../src/core/app/index.js';
import { auditPath, readHomeIdentity } from '../../../src/node/home.js';
import { auditLogSink, sessionIn } from '../../../src/node/session.js';
import { openWorkspace } from '../../../src/node/workspace.js';
import { asFormat1, forgedNext, format1Policy } from '../history-fixtures.js';
import { introduce, makePerson, tempDir, type Person, type Run } from './helpers.js';

const te = new TextEncoder();

describe('history nobody can rewrite (issue 20), through the CLI and git', () => {
  const tmp = tempDir('sensitivity-history-');
  const repo = join(tmp.path, 'repo');
  let alice: Person, bob: Person, carol: Person, dave: Person;

  const git = (args: readonly string[], cwd = repo) => {
    const r = spawnSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: tmp.path,
        GIT_CONFIG_NOSYSTEM: '1',
        SENSITIVITY_HOME: alice.home,
        TMPDIR: tmp.path,
        GIT_AUTHOR_NAME: 'T',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 'T',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    });
    assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout + r.stderr;
  };
  const commit = (what: string) => git(['commit', '-qam', what]);
  const ok = (r: Run): Run => (assert.equal(r.code, 0, r.stderr), r);
  const refused = (r: Run, code: string): Run => {
    assert.notEqual(r.code, 0, `expected ${code}, got exit 0: ${r.stdout}`);
    assert.match(r.stderr, new RegExp(`\\[${code}\\]`), r.stderr);
    return r;
  };
  const bytes = (file: string) => readFileSync(join(repo, file));
  const put = (file: string, b: Uint8Array) => writeFileSync(join(repo, file), b);
  const identity = async (p: Person) => (await readHomeIdentity(p.home))!;
  /** Saves new plaintext as `who` would from the editor (app.save with their home: memory and git's witness). */
  const saveAs = async (who: Person, file: string, text: string) => {
    const s = sessionIn(openWorkspace(repo), await identity(who), auditLogSink(auditPath(who.home)), undefined, { home: who.home });
    await app.save(s, file, te.encode(text));
  };
  const protect = (name: string, text: string, grants: string[]) => {
    writeFileSync(join(repo, name), text);
    ok(alice.run(['protect', name, '--label', 'Confidential/Specific People', ...grants.flatMap((g) => ['--grant', g])]));
    git(['add', `${name}.protected`]);
    commit(`protect ${name}`);
    return `${name}.protected`;
  };
  const roles = (file: string) =>
    Object.fromEntries(
      (JSON.parse(ok(alice.run(['inspect', file, '--json'])).stdout) as { grants: { email: string; role: string }[] }).grants.map((g) => [g.email, g.role]),
    );

  before(() => {
    mkdirSync(join(repo, '.sensitivity'), { recursive: true });
    alice = makePerson(tmp.path, repo, 'Alice', 'alice@example.com');
    bob = makePerson(tmp.path, repo, 'Bob', 'bob@example.com');
    carol = makePerson(tmp.path, repo, 'Carol', 'carol@example.com');
    dave = makePerson(tmp.path, repo, 'Dave', 'dave@example.com');
    for (const p of [bob, carol, dave]) introduce(alice, p);
    git(['init', '-q', '-b', 'main']);
    ok(alice.run(['git', 'install']));
    git(['add', '.']);
    commit('start');
  });
  after(() => tmp.dispose());

  it('format-1 downgrade: a Viewer re-emits the current file as format 1 around their own content: E_DOWNGRADE for everyone, inspect included', async () => {
    const f = protect('d1.md', 'the real plan\n', ['bob@example.com=Viewer', 'carol@example.com=Reviewer']);
    ok(carol.run(['cat', f]));
    const genuine = bytes(f);
    const reemit = await asFormat1(genuine, await identity(bob), te.encode('wire the money to Bob\n'));
    put(f, reemit);
    for (const reader of [carol, bob, alice]) {
      const r = refused(reader.run(['cat', f]), 'E_DOWNGRADE');
      assert.doesNotMatch(r.stdout, /wire the money/);
    }
    const shown = alice.run(['inspect', f]);
    assert.doesNotMatch(shown.stdout, /Owner: .*verified/, 'never "Owner … (verified)" for the re-emit');
    refused(shown, 'E_DOWNGRADE');
    refused(alice.run(['grant', f, 'dave@example.com=Viewer']), 'E_DOWNGRADE');
    assert.deepEqual(bytes(f), Buffer.from(reemit), 'nothing written');
    git(['checkout', '--', f]);
    assert.equal(ok(carol.run(['cat', f])).stdout, 'the real plan\n');
  });

  it("format-1 downgrade: a revoked grantee's old copy, put back for the owner to build on, is refused (E_DOWNGRADE), also for the owner on a fresh machine", async () => {
    const f = protect('d2.md', 'before the revoke\n', ['bob@example.com=Viewer']);
    ok(bob.run(['cat', f]));
    const old = bytes(f);
    ok(alice.run(['revoke', f, 'bob@example.com']));
    commit('revoke bob');
    const bobId = await identity(bob);
    // The re-emit with the owner's own (format-2) policy, and one with a format-1 policy she once signed.
    const reemit = await asFormat1(old, bobId, te.encode('planted by bob\n'));
    const genuineV1 = await asFormat1(old, bobId, te.encode('planted by bob\n'), await format1Policy(old, await identity(alice)));
    for (const copy of [reemit, genuineV1]) {
      put(f, copy);
      refused(alice.run(['grant', f, 'carol@example.com=Viewer']), 'E_DOWNGRADE');
      assert.deepEqual(bytes(f), Buffer.from(copy), 'nothing written');
      assert.notEqual(alice.run(['migrate', f]).code, 0);
    }
    // Alice on a new machine (her identity, no memory): git's history holds the file in format 2.
    const fresh = join(tmp.path, 'home-alice-fresh');
    cpSync(alice.home, fresh, { recursive: true });
    rmSync(join(fresh, 'versions.json'), { force: true });
    const again = { ...alice, run: (args: readonly string[]) => alice.run(args, { env: { SENSITIVITY_HOME: fresh } }) };
    refused(again.run(['migrate', f]), 'E_DOWNGRADE');
    refused(again.run(['grant', f, 'carol@example.com=Viewer']), 'E_DOWNGRADE');
    git(['checkout', '--', f]);
    refused(bob.run(['cat', f]), 'E_NOT_GRANTEE');
  });

  it('a former Co-Owner forks version 2 out of git history with the stock grant and revoke: E_FORK for readers who saw version 3 and for a fresh clone; the genuine version 3 still opens', async () => {
    const f = protect('fork.md', 'version one\n', ['carol@example.com=Viewer']);
    ok(alice.run(['grant', f, 'dave@example.com=Co-Owner']));
    commit('dave joins');
    ok(alice.run(['revoke', f, 'dave@example.com']));
    commit('dave leaves');
    ok(carol.run(['cat', f])); // Carol has seen version 3
    // Dave, outside the repository, with the stock CLI on version 2 from git history.
    const daveWs = join(tmp.path, 'dave-ws');
    mkdirSync(join(daveWs, '.sensitivity'), { recursive: true });
    writeFileSync(join(daveWs, f), spawnSync('git', ['show', `HEAD~1:${f}`], { cwd: repo }).stdout);
    ok(dave.run(['people', 'add', '-'], { cwd: daveWs, input: bob.run(['id', 'show', '--json']).stdout }));
    ok(dave.run(['grant', f, 'bob@example.com=Co-Owner'], { cwd: daveWs }));
    ok(dave.run(['revoke', f, 'alice@example.com'], { cwd: daveWs }));
    put(f, readFileSync(join(daveWs, f)));
    commit('dave: version 4');
    const r = refused(carol.run(['cat', f]), 'E_FORK');
    assert.match(r.stderr, /version 4 .*dave@example\.com.*version 3 .*alice@example\.com/);
    refused(alice.run(['cat', f]), 'E_FORK');
    refused(alice.run(['grant', f, 'bob@example.com=Viewer']), 'E_FORK');
    // Bob never opened the file (a fresh clone): git's history holds version 3, which Dave's does not extend.
    refused(bob.run(['cat', f]), 'E_FORK');
    refused(bob.run(['unprotect', f]), 'E_FORK');
    assert.ok(existsSync(join(repo, '.git', 'sensitivity-history.json')), "git's versions are cached by blob id");
    // The genuine version 3 is not locked out: it opens, and its owner builds on it.
    git(['checkout', 'HEAD~1', '--', f]);
    assert.equal(ok(carol.run(['cat', f])).stdout, 'version one\n');
    ok(alice.run(['grant', f, 'bob@example.com=Viewer']));
    assert.equal(ok(bob.run(['cat', f])).stdout, 'version one\n');
    commit('back to the real history');
  });

  it('a version number poisoned to 2^53−1 is refused (E_LINEAGE): the genuine file keeps opening and versions.json stays sound', async () => {
    const f = protect('poison.md', 'genuine\n', ['carol@example.com=Viewer', 'dave@example.com=Co-Owner']);
    ok(carol.run(['cat', f]));
    const genuine = bytes(f);
    put(f, await forgedNext(genuine, await identity(dave), Number.MAX_SAFE_INTEGER));
    refused(carol.run(['cat', f]), 'E_LINEAGE');
    refused(alice.run(['cat', f]), 'E_LINEAGE');
    put(f, genuine);
    assert.equal(ok(carol.run(['cat', f])).stdout, 'genuine\n');
    ok(alice.run(['grant', f, 'bob@example.com=Viewer']));
    assert.equal(ok(carol.run(['cat', f])).stdout, 'genuine\n');
    for (const p of [alice, carol]) {
      const memory = JSON.parse(readFileSync(join(p.home, 'versions.json'), 'utf8')) as { heads: Record<string, { history: string[] }> };
      assert.ok(
        Object.values(memory.heads).every((h) => h.history.length < 10),
        'heads are histories, never a poisoned number',
      );
    }
    commit('poison cleaned');
  });

  it('a merge keeps a rights reduction and an expiry made on the other branch (the merged file is under the later policy)', async () => {
    const f = protect('merge.md', 'line one\nline two\nline three\n', ['carol@example.com=Reviewer', 'bob@example.com=Viewer']);
    git(['checkout', '-q', '-b', 'cut']);
    ok(alice.run(['grant', f, 'carol@example.com=Viewer']));
    ok(alice.run(['expiry', f, '30d']));
    commit('carol reads only; expires');
    git(['checkout', '-q', 'main']);
    await saveAs(carol, f, 'line one, by carol\nline two\nline three\n');
    commit('carol edits');
    git(['merge', '--no-edit', 'cut']);
    assert.equal(roles(f)['carol@example.com'], 'Viewer');
    const info = JSON.parse(ok(alice.run(['inspect', f, '--json'])).stdout) as { expires: string | null };
    assert.notEqual(info.expires, null, 'the expiry stands');
    assert.equal(ok(alice.run(['cat', f])).stdout, 'line one, by carol\nline two\nline three\n');
  });

  it('branch workflow: an owner grants on a branch, switches back, reads her file, merges the branch: no E_ROLLBACK, the merged file has the newer access', async () => {
    const f = protect('branch.md', 'alpha\nbeta\ngamma\n', ['carol@example.com=Reviewer']);
    git(['checkout', '-q', '-b', 'share']);
    ok(alice.run(['grant', f, 'dave@example.com=Viewer']));
    commit('share with dave');
    git(['checkout', '-q', 'main']);
    await saveAs(carol, f, 'alpha\nbeta\ngamma, by carol\n');
    commit('carol edits on main');
    const read = ok(alice.run(['cat', f]));
    assert.equal(read.stdout, 'alpha\nbeta\ngamma, by carol\n');
    assert.match(read.stderr, /older version of its access policy/);
    // Reading is fine; building on the older version is not (it would undo the branch's grant for whoever merges).
    refused(alice.run(['grant', f, 'bob@example.com=Viewer']), 'E_ROLLBACK');
    refused(alice.run(['expiry', f, '10d']), 'E_ROLLBACK');
    refused(alice.run(['revoke', f, 'carol@example.com']), 'E_ROLLBACK');
    const merged = git(['merge', '--no-edit', 'share']);
    assert.doesNotMatch(merged, /E_ROLLBACK/);
    assert.equal(roles(f)['dave@example.com'], 'Viewer');
    assert.equal(ok(dave.run(['cat', f])).stdout, 'alpha\nbeta\ngamma, by carol\n');
    assert.equal(ok(alice.run(['cat', f])).stderr, '', 'the newest version: no note');
  });
});
