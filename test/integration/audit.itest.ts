/**
 * The audit view's host (issue 22) in the real extension host: it reads this run's log, answers queries,
 * refuses what the page may not send (counted, logged without the message, answered with a refusal when it
 * named an id), and verifies the log the way `sensitivity audit --verify` does, anchoring the head it saw.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { verifyAuditLog } from '../../src/core/audit/index.js';
import type { AuditViewHandle } from '../../src/extension/audit/view.js';
import { appendAudit } from '../../src/node/audit-log.js';
import { auditPath, resolveHome } from '../../src/node/home.js';
import { NO_FILTERS, type AuditPageView, type VerifyView } from '../../src/shared/audit-protocol.js';
import { suite, test } from './harness.js';
import { activateExtension, uniqueName } from './helpers.js';

suite('audit view', () => {
  test('answers queries, refuses what the page may not send, and verifies the log with its anchor', async () => {
    await activateExtension();
    const path = auditPath(resolveHome());
    const file = uniqueName('audited', '.md');
    const actor = { id: 'itest-key', email: 'itest@example.com' };
    await appendAudit(path, { action: 'open.denied', actor, file, code: 'E_NOT_GRANTEE' }, new Date());
    await appendAudit(path, { action: 'label.set', actor, file: 'elsewhere.md', to: 'general', direction: 'new' }, new Date());
    const view = (await vscode.commands.executeCommand<AuditViewHandle>('sensitivity.showAuditLog'))!;
    try {
      const total = (await view.model()).total;
      const query = await view.receive({ type: 'query', id: 1, params: { filters: { ...NO_FILTERS, file }, page: 0 } });
      assert.ok(query?.ok);
      const page = query.result as AuditPageView;
      assert.deepEqual(
        page.rows.map((r) => [r.action.words, r.file, r.result.words, r.who.words]),
        [['Tried to open a protected file', file, 'Denied: no access', 'itest@example.com (unverified key)']],
      );
      assert.equal(page.total, total);

      const rejected = view.rejectedCount;
      const refused = await view.receive({ type: 'query', id: 2, params: { filters: { ...NO_FILTERS, person: 'id:<script>' }, page: 0 } });
      assert.deepEqual(refused && { ok: refused.ok, id: refused.id }, { ok: false, id: 2 });
      assert.equal(await view.receive({ type: 'openFile', id: 3, params: { path: '/etc/passwd' } }), undefined);
      assert.equal(await view.receive('<img src=x>'), undefined);
      assert.equal(view.rejectedCount, rejected + 3);

      const intact = await view.receive({ type: 'verify', id: 4, params: {} });
      assert.ok(intact?.ok);
      assert.equal((intact.result as VerifyView).intact, true);
      const text = await fs.readFile(path, 'utf8');
      assert.ok((await verifyAuditLog(text)).ok, 'the CLI check agrees');

      // The last entry cut off: a shorter chain is still a chain, but not the one verified above.
      const lines = text.trimEnd().split('\n');
      await fs.writeFile(path, lines.slice(0, -1).join('\n') + '\n');
      try {
        const cut = await view.receive({ type: 'verify', id: 5, params: {} });
        assert.ok(cut?.ok);
        assert.equal((cut.result as VerifyView).intact, false);
        assert.match((cut.result as VerifyView).headline, /cut short or replaced/);
      } finally {
        // Later tests append to this log: put it back as it was.
        await fs.writeFile(path, text);
      }
    } finally {
      view.panel.dispose();
    }
  });
});
