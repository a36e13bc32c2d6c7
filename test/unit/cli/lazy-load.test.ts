/**
 * The built CLI loads only the command group it runs (issue 24): every command of the sources' table is routed
 * by dist/cli.js to the same usage its --help always printed, and a command that needs neither the sign-in
 * client nor the key service never loads node:http; one that touches no document never evaluates the document
 * parsers (fflate loads node:worker_threads as it is evaluated, and nothing else on these paths does).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { allCommands } from '../../../src/cli/commands/index.js';
import { CLI, makePerson, runCliAsync, tempDir } from './helpers.js';

describe('lazy loading of the CLI', () => {
  const tmp = tempDir('sensitivity-lazy-');
  after(() => tmp.dispose());

  it('routes every command of the table to its own --help (a new command needs no second list)', async () => {
    const commands = await allCommands();
    assert.ok(commands.length > 20);
    const runs = await Promise.all(commands.map((c) => runCliAsync([...c.name.split(' '), '--help'], { home: tmp.path, cwd: tmp.path })));
    commands.forEach((c, i) => {
      const r = runs[i]!;
      assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
      assert.equal(r.stdout.toString('utf8'), `Usage: sensitivity ${c.usage}\n\n${c.summary}\n${c.help ?? ''}`, c.name);
    });
  });

  it('git textconv, cat, label get, inspect and --version load neither node:http (sign-in, key service) nor the document parsers', () => {
    const ws = join(tmp.path, 'ws');
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    const alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
    writeFileSync(join(ws, 'note.md'), 'hello\n');
    assert.equal(alice.run(['protect', 'note.md']).code, 0);
    // Prints, as the process exits, the built-in modules it loaded.
    const probe = join(tmp.path, 'probe.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write('\\nLOADED ' + process.moduleLoadList.join(',') + '\\n'));\n");
    const commands = [
      ['git', 'textconv', 'note.md.protected'],
      ['cat', 'note.md.protected'],
      ['label', 'get', 'note.md.protected'],
      ['inspect', 'note.md.protected'],
      ['--version'],
    ];
    for (const args of commands) {
      const r = spawnSync(process.execPath, ['--require', probe, CLI, ...args], {
        cwd: ws,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', SENSITIVITY_HOME: alice.home },
      });
      assert.equal(r.status, 0, r.stderr);
      const loaded = r.stderr.split('\nLOADED ')[1]!.split(',');
      assert.ok(loaded.includes('NativeModule fs'), 'the probe saw the module list');
      assert.ok(!loaded.includes('NativeModule http'), `${args.join(' ')} loaded node:http`);
      assert.ok(!loaded.includes('NativeModule worker_threads'), `${args.join(' ')} evaluated the document parsers (fflate)`);
    }
  });
});
