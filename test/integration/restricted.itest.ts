/**
 * Restricted Mode (Workspace Trust not granted) in the real extension host: the workspace policy's keys are
 * never used — recovery keys: protect proceeds for you and the people you name only; its organisation: a grant
 * by email is resolved from people.json, its directory never asked — nothing is asked and nothing can be
 * accepted. Registered only when SENSITIVITY_ITEST_RESTRICTED=1: the launcher then keeps Workspace
 * Trust on and never trusts the folder (every other suite runs trusted, with Workspace Trust off).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { ProtectedInfo } from '../../src/core/app/index.js';
import { createIdentity, publicIdentity } from '../../src/core/index.js';
import { resolveHome } from '../../src/node/home.js';
import { acceptedKeysPath } from '../../src/node/trust-store.js';
import type { BatchResult } from '../../src/extension/commands/targets.js';
import { before, suite, test } from './harness.js';
import { withDialogs, writeFixture } from './helpers.js';
import { useIdentity } from './sensitivity.js';

if (process.env.SENSITIVITY_ITEST_RESTRICTED === '1') {
  suite('restricted mode', () => {
    before(async () => {
      await useIdentity(await createIdentity('Rita Restricted', 'rita.restricted@example.com'));
    });

    test("an untrusted workspace's recovery keys are not used: protect asks nothing and seals without them", async () => {
      assert.equal(vscode.workspace.isTrusted, false, 'the launcher opened the folder in Restricted Mode');
      const recovery = await createIdentity('Planted Recovery', 'planted.recovery@example.com');
      const dir = `restricted-${Date.now().toString(36)}`;
      await writeFixture(
        `${dir}/.sensitivity/policy.json`,
        JSON.stringify({
          version: 1,
          labels: [{ id: 'confidential', name: 'Confidential' }],
          defaultLabel: 'confidential',
          recovery: [publicIdentity(recovery)],
        }),
      );
      const plain = await writeFixture(`${dir}/plan.md`, '# plan\n');
      const { result, modals } = await withDialogs({ modal: () => undefined }, () =>
        vscode.commands.executeCommand<BatchResult>('sensitivity.protect', plain, { label: 'confidential' }),
      );
      assert.deepEqual(result.failed, []);
      assert.equal(result.done.length, 1);
      assert.deepEqual(modals, [], 'nothing asked');
      const envelope = vscode.Uri.file(result.done[0]!);
      const info = (await vscode.commands.executeCommand<ProtectedInfo>('sensitivity.inspect', envelope, { quiet: true }))!;
      assert.ok(!info.grants.some((g) => g.id === recovery.id || g.recovery), 'no recovery key in the file');

      const accepted = await withDialogs({ modal: (m) => m.items[0] }, () =>
        vscode.commands.executeCommand<{ keys: string[] } | undefined>('sensitivity.acceptWorkspaceKeys', plain),
      );
      assert.equal(accepted.result, undefined, 'nothing to accept in Restricted Mode');
      assert.deepEqual(accepted.modals, []);
      assert.equal(await fs.stat(acceptedKeysPath(resolveHome())).catch(() => undefined), undefined, 'no accepted-keys.json written');
    });

    test("an untrusted workspace's organisation is not used: a grant by email comes from people.json, its directory is never asked", async () => {
      const bob = publicIdentity(await createIdentity('Bob Restricted', 'bob.restricted@example.com'));
      const dir = `restricted-org-${Date.now().toString(36)}`;
      // Nothing listens on the discard port: any use of the organisation would fail.
      await writeFixture(
        `${dir}/.sensitivity/policy.json`,
        JSON.stringify({
          version: 1,
          labels: [{ id: 'confidential', name: 'Confidential' }],
          defaultLabel: 'confidential',
          organisation: { url: 'http://127.0.0.1:9' },
        }),
      );
      await writeFixture(`${dir}/.sensitivity/people.json`, JSON.stringify({ version: 1, people: [bob] }));
      const plain = await writeFixture(`${dir}/plan.md`, '# plan\n');
      const { result, modals } = await withDialogs({ modal: () => undefined }, () =>
        vscode.commands.executeCommand<BatchResult>('sensitivity.protect', plain, { label: 'confidential', grants: [{ who: bob.email, role: 'Viewer' }] }),
      );
      assert.deepEqual(result.failed, []);
      assert.deepEqual(modals, [], 'nothing asked');
      const info = (await vscode.commands.executeCommand<ProtectedInfo>('sensitivity.inspect', vscode.Uri.file(result.done[0]!), { quiet: true }))!;
      assert.ok(
        info.grants.some((g) => g.id === bob.id),
        "Bob from people.json, not the organisation's directory",
      );
    });
  });
}
