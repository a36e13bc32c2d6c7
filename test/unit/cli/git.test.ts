/**
 * Protected files in a real git repository (Debian's git): `sensitivity git install`, diffs and logs with
 * and without access, three-way merges (clean, conflicting, refused, without rights), and no plaintext under
 * `.git`. Everything runs through git itself, which calls the built CLI as its diff and merge driver.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import * as app from '../../../src/core/app/index.js';
import { auditPath, readHomeIdentity } from '../../../src/node/home.js';
import { auditLogSink, sessionIn } from '../../../src/node/session.js';
import { openWorkspace } from '../../../src/node/workspace.js';
import { introduce, makePerson, tempDir, type Person } from './helpers.js';

const SECRET = 'BLUEBIRD-7431';
const BASE = `# Launch plan\nline one\nthe code word is ${SECRET}\nline three\n`;

describe('sensitivity git: diff, log and merge of protected files', () => {
  const tmp = tempDir('sensitivity-git-');
  const repo = join(tmp.path, 'repo');
  const scratch = join(tmp.path, 'scratch');
  let alice: Person;
  let bob: Person;
  let carol: Person;

  /** Runs git as `who` (their identity is what the drivers act as); git's own temp files go to `scratch`. */
  const git = (who: Person, args: readonly string[], cwd = repo) => {
    const r = spawnSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: tmp.path,
        GIT_CONFIG_NOSYSTEM: '1',
        SENSITIVITY_HOME: who.home,
        TMPDIR: scratch,
        GIT_AUTHOR_NAME: 'T',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 'T',
        GIT_COMMITTER_EMAIL: 't@example.com',
      },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (who: Person, args: readonly string[], cwd = repo) => {
    const r = git(who, args, cwd);
    assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  /** Saves new plaintext into a protected file as `who` would from an editor (app.save, needs EDIT). */
  const save = async (who: Person, text: string) => {
    const s = sessionIn(openWorkspace(repo), await readHomeIdentity(who.home), auditLogSink(auditPath(who.home)));
    await app.save(s, 'plan.md.protected', new TextEncoder().encode(text));
  };
  const cat = (who: Person) => who.run(['cat', 'plan.md.protected']);
  const replaceLine = (text: string, from: string, to: string) => text.replace(from, to);

  before(() => {
    mkdirSync(join(repo, '.sensitivity'), { recursive: true });
    mkdirSync(scratch);
    alice = makePerson(tmp.path, repo, 'Alice', 'alice@example.com');
    bob = makePerson(tmp.path, repo, 'Bob', 'bob@example.com');
    carol = makePerson(tmp.path, repo, 'Carol', 'carol@example.com');
    introduce(alice, bob);
    introduce(alice, carol);
    ok(alice, ['init', '-q', '-b', 'main']);
    writeFileSync(join(repo, 'plan.md'), BASE);
    const p = alice.run(['protect', 'plan.md', '--label', 'Highly Confidential/Specific People', '--grant', 'bob@example.com=Co-Author']);
    assert.equal(p.code, 0, p.stderr);
  });
  after(() => tmp.dispose());

  it('git install writes .gitattributes and the local drivers once, however often it runs; --uninstall removes them', () => {
    for (let i = 0; i < 2; i++) assert.equal(alice.run(['git', 'install']).code, 0);
    const attributes = readFileSync(join(repo, '.gitattributes'), 'utf8');
    assert.equal(attributes, '*.protected diff=sensitivity merge=sensitivity\n');
    assert.equal(ok(alice, ['config', '--local', 'diff.sensitivity.cachetextconv']).trim(), 'false');
    assert.match(ok(alice, ['config', '--local', 'merge.sensitivity.driver']), / git merge %O %A %B %P %L$/m);

    assert.equal(alice.run(['git', 'install', '--uninstall']).code, 0);
    assert.equal(alice.run(['git', 'install', '--uninstall']).code, 0, 'uninstalling twice is fine');
    assert.equal(readFileSync(join(repo, '.gitattributes'), 'utf8'), '');
    assert.equal(git(alice, ['config', '--local', 'diff.sensitivity.textconv']).code, 1, 'the section is gone');

    assert.equal(alice.run(['git', 'install']).code, 0);
    ok(alice, ['add', '-A']);
    ok(alice, ['commit', '-qm', 'protected plan']);
  });

  it('git install outside a repository is a usage error', () => {
    const r = alice.run(['git', 'install'], { cwd: scratch });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not inside a git repository/);
  });

  it('git diff shows plaintext to people with VIEW and one placeholder line to others, never failing', async () => {
    await save(alice, replaceLine(BASE, 'line three', 'line three, revised'));
    for (const who of [alice, bob]) {
      const d = ok(who, ['diff']);
      assert.match(d, /^-line three$/m);
      assert.match(d, /^\+line three, revised$/m);
    }
    const c = git(carol, ['diff']);
    assert.equal(c.code, 0, c.stderr);
    assert.doesNotMatch(c.stdout, /BLUEBIRD|^[-+ ]line/m);
    assert.match(
      c.stdout,
      /protected file plan\.md — label Highly Confidential \/ Specific People — signed by an unverified key \d{5}( \d{5}){5} claiming Alice <alice@example\.com> — you have no access — E_NOT_GRANTEE — \d+ bytes, envelope [0-9a-f]{12}\]$/m,
    );
    // Carol has not pinned Alice's key: the line never calls her the owner (issue 20). Once pinned, it does.
    const elsewhere = join(tmp.path, 'carol-pins');
    mkdirSync(elsewhere);
    const pinned = carol.run(['people', 'add', '-'], { input: alice.run(['id', 'show', '--json']).stdout, cwd: elsewhere });
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.match(git(carol, ['diff']).stdout, /— owner Alice <alice@example\.com> \(verified, \d{5}( \d{5}){5}\) — you have no access/);
    assert.equal(c.stdout.match(/^[-+]\[protected file/gm)?.length, 2, 'the old and the new version, one line each');
    ok(alice, ['commit', '-qam', 'revise line three']);
  });

  it('git log -p and git show print plaintext history for readers and placeholders for others', () => {
    const log = ok(bob, ['log', '-p', '--format=commit %s']);
    assert.match(log, /^\+the code word is BLUEBIRD-7431$/m, 'the first commit, from the blob git wrote to a temp file');
    assert.match(log, /^\+line three, revised$/m);
    const show = ok(alice, ['show', 'HEAD']);
    assert.match(show, /^-line three$/m);

    const denied = git(carol, ['log', '-p']);
    assert.equal(denied.code, 0, denied.stderr);
    assert.doesNotMatch(denied.stdout, /BLUEBIRD|^[-+ ]line/m);
    assert.match(denied.stdout, /you have no access/);
  });

  // Resets the repository to the revised plan on main and returns to it.
  const fromMain = () => {
    ok(alice, ['checkout', '-q', 'main']);
    ok(alice, ['reset', '-q', '--hard']);
  };
  const branch = async (name: string, change: () => Promise<void>) => {
    ok(alice, ['checkout', '-q', '-b', name, 'main']);
    await change();
    ok(alice, ['commit', '-qam', name]);
    ok(alice, ['checkout', '-q', 'main']);
  };
  const revised = replaceLine(BASE, 'line three', 'line three, revised');

  it('merges cleanly: both sides changed different lines, the result is encrypted under ours', async () => {
    fromMain();
    await branch('clean', () => save(bob, replaceLine(revised, 'line three, revised', 'line three, from bob')));
    await save(alice, replaceLine(revised, '# Launch plan', '# Launch plan (Q3)'));
    ok(alice, ['commit', '-qam', 'title']);
    const r = git(alice, ['merge', '--no-edit', 'clean']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /merged; still protected \(Highly Confidential \/ Specific People\)/);
    const merged = cat(bob);
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(merged.stdout, `# Launch plan (Q3)\nline one\nthe code word is ${SECRET}\nline three, from bob\n`);
    assert.doesNotMatch(readFileSync(join(repo, 'plan.md.protected')).toString('latin1'), /line three/, 'the merged file is encrypted');
    const info = JSON.parse(alice.run(['inspect', 'plan.md.protected', '--json']).stdout) as { grants: { email: string }[] };
    assert.deepEqual(info.grants.map((g) => g.email).sort(), ['alice@example.com', 'bob@example.com']);
    assert.deepEqual(readdirSync(scratch), [], 'the private merge folder is gone');
  });

  it('leaves a conflict as an encrypted file whose plaintext holds the conflict markers', async () => {
    ok(alice, ['reset', '-q', '--hard', 'HEAD~1']);
    await branch('conflict', () => save(bob, replaceLine(revised, 'line one', 'line one by bob')));
    await save(alice, replaceLine(revised, 'line one', 'line one by alice'));
    ok(alice, ['commit', '-qam', 'alice line one']);
    const r = git(alice, ['merge', '--no-edit', 'conflict']);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /1 conflict\(s\); still protected/);
    assert.match(ok(alice, ['status', '--porcelain']), /^UU plan\.md\.protected$/m);
    const text = cat(alice).stdout;
    assert.match(text, /^<<<<<<< ours\nline one by alice\n=======\nline one by bob\n>>>>>>> theirs$/m);
    assert.doesNotMatch(readFileSync(join(repo, 'plan.md.protected')).toString('latin1'), /<<<<<<<|line one/, 'markers are inside the envelope');
    assert.deepEqual(readdirSync(scratch), []);
    ok(alice, ['merge', '--abort']);
  });

  it('refuses a merge when both branches changed who may access it independently, and keeps ours', async () => {
    fromMain();
    ok(alice, ['reset', '-q', '--hard', 'HEAD~1']);
    // Alice on two machines (no shared memory): a grant on one branch, an expiry change on the other.
    const elsewhere = async () => sessionIn(openWorkspace(repo), await readHomeIdentity(alice.home), auditLogSink(auditPath(alice.home)));
    await branch('wider', async () => {
      await app.grant(await elsewhere(), 'plan.md.protected', [{ who: 'carol@example.com', role: 'Viewer' }]);
      await save(alice, replaceLine(revised, 'line one', 'line one, now carol can read it'));
    });
    await app.setExpiry(await elsewhere(), 'plan.md.protected', new Date(Date.now() + 30 * 86_400_000));
    await save(alice, replaceLine(revised, 'line three, revised', 'line three, on main'));
    ok(alice, ['commit', '-qam', 'main change']);
    const ours = readFileSync(join(repo, 'plan.md.protected'));
    const r = git(alice, ['merge', '--no-edit', 'wider']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /both branches changed who may access it.*\[E_POLICY_MISMATCH\]/);
    assert.match(ok(alice, ['status', '--porcelain']), /^UU plan\.md\.protected$/m);
    assert.deepEqual(readFileSync(join(repo, 'plan.md.protected')), ours, "git's default conflict: ours, untouched");
    ok(alice, ['merge', '--abort']);
  });

  it("without EDIT on every side the driver leaves git's default conflict", async () => {
    fromMain();
    const before = ok(alice, ['rev-parse', 'HEAD']).trim();
    await branch('carols', () => save(alice, replaceLine(revised, 'line one', 'line one again')));
    await save(alice, replaceLine(revised, '# Launch plan', '# Plan'));
    ok(alice, ['commit', '-qam', 'title again']);
    const ours = readFileSync(join(repo, 'plan.md.protected'));
    const r = git(carol, ['merge', '--no-edit', 'carols']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /E_NOT_GRANTEE/);
    assert.match(r.stderr, /not merged; git keeps your version/);
    assert.deepEqual(readFileSync(join(repo, 'plan.md.protected')), ours);
    ok(alice, ['merge', '--abort']);
    ok(alice, ['reset', '-q', '--hard', before]);
  });

  /** Every byte under `dir`, loose objects inflated, as latin1 text to search. */
  const gitBytes = (dir: string): string =>
    readdirSync(dir)
      .map((name) => {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) return gitBytes(p);
        const raw = readFileSync(p);
        let inflated = '';
        try {
          inflated = inflateSync(raw).toString('latin1');
        } catch {
          // not a zlib stream (packs are checked by `git log --all` below)
        }
        return raw.toString('latin1') + inflated;
      })
      .join('\n');

  it('never writes textconv output under .git (and the check finds it when caching is turned on)', () => {
    ok(alice, ['log', '-p', '--all']);
    assert.equal(ok(alice, ['for-each-ref', 'refs/notes']), '', 'no textconv cache notes');
    assert.doesNotMatch(gitBytes(join(repo, '.git')), new RegExp(SECRET));
    assert.doesNotMatch(gitBytes(join(repo, '.git')), /line three, revised/);

    // The control: a clone with git's textconv cache on stores plaintext in .git, and the same search sees it.
    const clone = join(tmp.path, 'clone');
    ok(alice, ['clone', '-q', repo, clone], tmp.path);
    ok(alice, ['config', 'diff.sensitivity.textconv', ok(alice, ['config', 'diff.sensitivity.textconv']).trim()], clone);
    ok(alice, ['config', 'diff.sensitivity.cachetextconv', 'true'], clone);
    ok(alice, ['log', '-p'], clone);
    assert.notEqual(ok(alice, ['for-each-ref', 'refs/notes'], clone), '');
    assert.match(gitBytes(join(clone, '.git')), /line three, revised/);
  });
});

describe('sensitivity label mv after git mv', () => {
  const tmp = tempDir('sensitivity-mv-');
  after(() => tmp.dispose());
  it('moves the label to the new path, and says so when there is none', () => {
    const ws = join(tmp.path, 'ws');
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    const ada = makePerson(tmp.path, ws, 'Ada', 'ada@example.com');
    writeFileSync(join(ws, 'a.md'), 'x\n');
    assert.equal(ada.run(['label', 'set', 'a.md', '--label', 'General']).code, 0);
    assert.equal(spawnSync('git', ['init', '-q'], { cwd: ws }).status, 0);
    assert.equal(spawnSync('git', ['add', 'a.md'], { cwd: ws }).status, 0);
    assert.equal(spawnSync('git', ['mv', 'a.md', 'b.md'], { cwd: ws }).status, 0);
    const r = ada.run(['label', 'mv', 'a.md', 'b.md']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(ada.run(['label', 'get', 'b.md']).stdout, /b\.md\tGeneral/);
    const again = ada.run(['label', 'mv', 'a.md', 'b.md']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /a\.md: has no label to move \[E_NOT_FOUND\]/);
  });
});
