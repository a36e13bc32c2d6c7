/**
 * `sensitivity.changeExpiry (target?: Uri, options?: { expires: "30d" | "2026-12-31" | "never" })`: an owner
 * changes when a protected file's content expires, or removes the expiry (issue 9). Holders of OWNER may,
 * before it passes; after it, only when the file's policy lets owners renew (the label's
 * `expiry.ownerCanRenew`). The file key is kept; the policy is signed again as its next version.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ProtectedInfo } from '../../core/app/index.js';
import type { Services } from '../services.js';
import { CANCELLED, headerForAction, parseArgs, resolveTargets, runBatch, type BatchResult } from './targets.js';

export interface ChangeExpiryOptions {
  /** A number of days (`30d`), a date (`2026-12-31`: the end of that day, UTC), or `never`. */
  readonly expires: string;
}

const NEVER = 'never';
const DAY_CHOICES = [7, 30, 90] as const;

const dateWords = (d: Date) => d.toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });

/** Asks how long the content stays open: 7, 30 or 90 days, a date typed and checked, or never. */
async function askExpiry(services: Services, info: ProtectedInfo, name: string): Promise<string | undefined> {
  const { parseExpiry } = await services.core();
  const now = new Date();
  const current = info.expires
    ? `${info.expired ? 'Expired' : 'Expires'} ${dateWords(new Date(info.expires))}`
    : 'No expiry now: it stays open until access is revoked';
  type Item = vscode.QuickPickItem & { readonly value?: string };
  const items: Item[] = [
    ...DAY_CHOICES.map((days) => ({ label: `$(calendar) ${days} days`, description: `until ${dateWords(parseExpiry(`${days}d`, now))}`, value: `${days}d` })),
    { label: '$(edit) A date…', description: 'YYYY-MM-DD, until the end of that day (UTC)' },
    { label: '$(circle-slash) Never', description: 'no expiry: open until access is revoked', value: NEVER },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `Change Expiry of ${name}`, placeHolder: current });
  if (!picked) return undefined;
  if (picked.value) return picked.value;
  const typed = await vscode.window.showInputBox({
    title: `Change Expiry of ${name}: Date`,
    prompt: 'The content stays open until the end of this day (UTC).',
    placeHolder: 'YYYY-MM-DD',
    ignoreFocusOut: true,
    validateInput: (v) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v.trim())) return 'Type a date as YYYY-MM-DD, for example 2027-01-31';
      try {
        const d = parseExpiry(v, new Date());
        // `new Date('2027-02-31')` rolls over: the date must read back as typed.
        return d.toISOString().slice(0, 10) === v.trim() ? undefined : 'There is no such day';
      } catch {
        return 'The date is in the past';
      }
    },
  });
  return typed?.trim() || undefined;
}

export async function changeExpiry(services: Services, ...args: unknown[]): Promise<BatchResult> {
  const { uris, options = {} } = parseArgs<ChangeExpiryOptions>(args);
  const [file] = (await resolveTargets(uris, 'protected', 'Change Expiry', false)) ?? [];
  if (!file) return CANCELLED;
  const name = basename(file.fsPath);
  const { app, parseExpiry } = await services.core();
  // Said before asking anything, even for an identity: only owners may (after expiry, only when the policy lets
  // them renew), and an owner has an identity. Menus offer it only there (`sensitivity.mayChangeExpiry`).
  const header = await headerForAction(services, 'Changing expiry', file, app.expiryRefusal);
  if ('refused' in header) return header.refused;
  const { info } = header;
  const expires = options.expires ?? (await askExpiry(services, info, name));
  if (!expires) return CANCELLED;
  const result = await runBatch(services, 'Changing expiry', [file], async (f) => {
    const when = expires.trim().toLowerCase() === NEVER ? null : parseExpiry(expires, new Date());
    const s = await services.session(f);
    await app.setExpiry(s, s.workspace.relPath(f.fsPath), when);
  });
  if (result.done.length > 0) {
    // Said from the file as written, not from what was asked.
    const now = await services.labels.protectedInfo(file).catch(() => undefined);
    const said = now?.expires
      ? `${name} now expires on ${new Date(now.expires).toLocaleString()}.`
      : `${name} no longer expires: it stays open until access is revoked.`;
    void vscode.window.showInformationMessage(said);
  }
  return result;
}
