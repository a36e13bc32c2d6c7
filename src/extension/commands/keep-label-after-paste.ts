/**
 * `sensitivity.keepLabelAfterPaste (uri, sourceLabel)`: keeps a file's label under text pasted from a file of a
 * higher label, with a reason the person gives (recorded in the audit log); the paste's warning then goes.
 */
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { envelopeUriOf } from '../protected/uris.js';
import { pastesOf, storePastes } from '../paste/pasted-labels.js';
import { CANCELLED, runBatch, type BatchResult } from './targets.js';

export async function keepLabelAfterPaste(services: Services, ...args: unknown[]): Promise<BatchResult> {
  const [uri, label] = args;
  if (!(uri instanceof vscode.Uri) || typeof label !== 'string') return CANCELLED;
  const reason = (
    await vscode.window.showInputBox({
      title: 'Keep the Label Under Pasted Text',
      prompt: 'The pasted text comes from a file with a higher label. Why may this file keep its lower label? The reason is recorded in the audit log.',
      placeHolder: 'e.g. The pasted lines are public boilerplate',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'A reason is required'),
    })
  )?.trim();
  if (!reason) return CANCELLED;
  const disk = envelopeUriOf(uri);
  const { app } = await services.core();
  const result = await runBatch(services, 'Keeping the label', [disk], async () => {
    const s = await services.session(disk);
    await app.keepLabelAfterPaste(s, s.workspace.relPath(disk.fsPath), label, reason);
  });
  if (result.done.length > 0) {
    await storePastes(
      services,
      uri,
      (pastesOf(services)[uri.toString()] ?? []).filter((p) => p.label !== label),
    );
    services.labels.invalidate([disk]);
  }
  return result;
}
