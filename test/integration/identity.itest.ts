/** Your identity in SecretStorage: create, show, export and import (the CLI's format), people directory. */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { exportIdentity } from '../../src/core/index.js';
import { suite, test } from './harness.js';
import { workspaceRoot } from './helpers.js';
import { api, auditSince, auditLog, person, useIdentity } from './sensitivity.js';

interface Pub {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly sigPrivate?: unknown;
}

suite('identity', () => {
  test('without an identity, Show My Identity returns nothing', async () => {
    await api();
    const shown = await vscode.commands.executeCommand<Pub | undefined>('sensitivity.showIdentity', { quiet: true });
    assert.equal(shown, undefined);
  });

  test('Create My Identity stores a new identity and audits it; only the public half is returned', async () => {
    const before = (await auditLog()).length;
    const created = await vscode.commands.executeCommand<Pub>('sensitivity.createIdentity', { name: 'Zoe Example', email: 'Zoe@Example.com', force: true });
    assert.equal(created.email, 'zoe@example.com');
    assert.equal(created.sigPrivate, undefined, 'private keys never leave the extension');
    const shown = await vscode.commands.executeCommand<Pub>('sensitivity.showIdentity', { quiet: true });
    assert.equal(shown.id, created.id);
    const audit = await auditSince(before);
    assert.deepEqual(
      audit.map((e) => [e.action, e.actor?.email]),
      [['identity.create', 'zoe@example.com']],
    );
  });

  test(
    'Export writes a passphrase-protected file (0600, no key material) that Import restores',
    async () => {
      const current = await vscode.commands.executeCommand<Pub>('sensitivity.showIdentity', { quiet: true });
      const file = join(process.env.SENSITIVITY_HOME!, `export-${Date.now()}.jwe`);
      const before = (await auditLog()).length;
      const written = await vscode.commands.executeCommand<string>('sensitivity.exportIdentity', vscode.Uri.file(file), {
        passphrase: 'correct horse battery',
      });
      assert.equal(written, file);
      const text = await fs.readFile(file, 'utf8');
      assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
      assert.doesNotMatch(text, /"d"\s*:|sigPrivate/, 'the export holds no plain private key');
      // Another identity in between, then the export brings the first one back.
      await useIdentity(await person('yann'));
      const wrong = await vscode.commands.executeCommand<Pub | undefined>('sensitivity.importIdentity', vscode.Uri.file(file), {
        passphrase: 'wrong passphrase',
        force: true,
      });
      assert.equal(wrong, undefined, 'a wrong passphrase imports nothing');
      const restored = await vscode.commands.executeCommand<Pub>('sensitivity.importIdentity', vscode.Uri.file(file), {
        passphrase: 'correct horse battery',
        force: true,
      });
      assert.equal(restored.id, current.id);
      const actions = (await auditSince(before)).map((e) => e.action);
      assert.deepEqual(actions, ['identity.export', 'identity.import', 'identity.import']);
    },
    { timeoutMs: 60_000 },
  );

  test(
    "Import reads the CLI's export format (the core's exportIdentity)",
    async () => {
      const cli = await person('xavier');
      const file = join(process.env.SENSITIVITY_HOME!, `cli-export-${Date.now()}.jwe`);
      await fs.writeFile(file, (await exportIdentity(cli, 'a CLI passphrase')) + '\n', { mode: 0o600 });
      const imported = await vscode.commands.executeCommand<Pub>('sensitivity.importIdentity', vscode.Uri.file(file), {
        passphrase: 'a CLI passphrase',
        force: true,
      });
      assert.equal(imported.id, cli.id);
    },
    { timeoutMs: 60_000 },
  );

  test('Add a Person lists a public identity in .sensitivity/people.json', async () => {
    const bob = await person('bob');
    const { publicIdentity } = await import('../../src/core/index.js');
    const added = await vscode.commands.executeCommand<Pub>('sensitivity.addPerson', {
      person: JSON.stringify(publicIdentity(bob)),
      replace: true,
      folder: workspaceRoot(),
    });
    assert.equal(added.id, bob.id);
    const people = JSON.parse(await fs.readFile(join(workspaceRoot().fsPath, '.sensitivity/people.json'), 'utf8')) as { people: Pub[] };
    const listed = people.people.find((p) => p.id === bob.id);
    assert.ok(listed, 'bob is listed');
    assert.equal(listed.sigPrivate, undefined, 'only the public half is listed');
    const rejected = await vscode.commands.executeCommand('sensitivity.addPerson', { person: '{"not":"an identity"}', folder: workspaceRoot() });
    assert.equal(rejected, undefined);
  });
});
