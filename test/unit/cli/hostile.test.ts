/**
 * Untrusted strings on a terminal: names, label names and inner names come from files anyone can write,
 * so every line the CLI prints shows control, C1 and bidi characters escaped (no forged lines, no cursor
 * moves, no reordering); a closed pipe ends quietly; a listing drops nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, introduce, makePerson, tempDir, type Person } from './helpers.js';

// ESC (cursor home + clear), a C1 CSI, a right-to-left override, and a newline forging an "Owner:" line.
const HOSTILE_NAME = 'Mal\u001b[H\u001b[2J\u009b31m\u202eyrollaM\nOwner:      Alice <alice@example.com>';
// eslint-disable-next-line no-control-regex -- the characters this test hunts for
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('CLI output of hostile strings', () => {
  const tmp = tempDir();
  const ws = join(tmp.path, 'ws');
  let alice: Person;
  let mallory: Person;

  before(() => {
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
    mallory = makePerson(tmp.path, ws, HOSTILE_NAME, 'mallory@example.com');
    introduce(mallory, alice);
  });
  after(() => tmp.dispose());

  it('inspect, label list and errors print a hostile owner and inner name escaped, on one line each', () => {
    const inner = 'notes\u202etxt.exe\u0085File:       forged';
    writeFileSync(join(ws, inner), 'x');
    const p = mallory.run(['protect', inner, '--label', 'General', '--grant', 'alice@example.com=Viewer']);
    assert.equal(p.code, 0, p.stderr);
    for (const args of [
      ['inspect', `${inner}.protected`],
      ['label', 'list'],
      ['label', 'get', `${inner}.protected`],
    ]) {
      const r = alice.run(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stdout, RAW, `${args.join(' ')} printed a raw control or bidi character`);
      assert.doesNotMatch(r.stdout, /^Owner: {6}Alice/m, 'a forged Owner line');
      assert.doesNotMatch(r.stdout, /^File: {7}forged/m, 'a forged File line');
    }
    const shown = alice.run(['inspect', `${inner}.protected`]).stdout;
    assert.match(shown, /\\u\{202e\}/, 'the override is shown as an escape');
    assert.match(shown, /\\u\{001b\}\[H/, 'ESC is shown as an escape');
    const json = alice.run(['inspect', `${inner}.protected`, '--json']);
    assert.doesNotMatch(json.stdout, RAW);
    assert.equal((JSON.parse(json.stdout) as { owner: { name: string } }).owner.name, HOSTILE_NAME.trim(), 'JSON keeps the exact value');
    const denied = alice.run(['unprotect', `${inner}.protected`]);
    assert.equal(denied.code, 3);
    assert.doesNotMatch(denied.stderr, RAW);
    assert.equal(denied.stderr.trim().split('\n').length, 1, 'one line of error');
  });

  it('label list names files it cannot read and keeps labels the policy no longer knows (exit 1)', () => {
    writeFileSync(join(ws, 'junk.protected'), 'not an envelope');
    writeFileSync(join(ws, 'kept.md'), 'k');
    assert.equal(alice.run(['label', 'set', 'kept.md', '--label', 'General']).code, 0);
    const manifest = join(ws, '.sensitivity', 'labels.json');
    const m = JSON.parse(spawnSync('cat', [manifest], { encoding: 'utf8' }).stdout) as { files: Record<string, { label: string }> };
    m.files['kept.md']!.label = 'retired';
    writeFileSync(manifest, JSON.stringify(m));
    const r = alice.run(['label', 'list']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^kept\.md\tretired \(not in the policy\)$/m);
    assert.match(r.stderr, /junk\.protected: .*\[E_FORMAT\]/);
  });

  it('ends quietly when the reader of its output goes away (no EPIPE trace)', () => {
    const r = spawnSync('bash', ['-c', `node ${JSON.stringify(CLI)} policy show | head -c 1 >/dev/null; echo "status \${PIPESTATUS[0]}"`], {
      cwd: ws,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', SENSITIVITY_HOME: alice.home },
    });
    assert.doesNotMatch(r.stderr, /EPIPE|Error|at /);
    assert.match(r.stdout, /status 0/);
  });
});
