/**
 * Helpers for the extension's own integration tests: the extension's API, identities switched through the
 * real import command, a shared workspace policy, and the files the extension writes (manifest, people,
 * audit log) read straight from disk.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { createIdentity, DEFAULT_POLICY, type Identity, type Policy } from '../../src/core/index.js';
import type { SensitivityApi } from '../../src/extension/api.js';
import { activateExtension, waitFor, workspaceRoot, workspaceUri, writeFixture } from './helpers.js';

/** The extension's API (activating it if needed). */
export async function api(): Promise<SensitivityApi> {
  return (await activateExtension()).exports as SensitivityApi;
}

/** Test people, created once per run (real Ed25519/X25519 keys). */
const people = new Map<string, Promise<Identity>>();

/** A test identity by first name: `alice` → "Alice <alice@example.com>". */
export function person(first: string): Promise<Identity> {
  let p = people.get(first);
  if (!p) {
    p = createIdentity(first[0]!.toUpperCase() + first.slice(1), `${first}@example.com`);
    people.set(first, p);
  }
  return p;
}

/** Makes `identity` the extension's identity, through the import command (the CLI's plain identity file form). */
export async function useIdentity(identity: Identity): Promise<void> {
  const dir = await fs.mkdtemp(join(process.env.SENSITIVITY_HOME ?? '/tmp', 'id-'));
  const file = join(dir, 'identity.json');
  await fs.writeFile(file, JSON.stringify(identity), { mode: 0o600 });
  try {
    const imported = await vscode.commands.executeCommand<{ id: string } | undefined>('sensitivity.importIdentity', vscode.Uri.file(file), { force: true });
    if (imported?.id !== identity.id) throw new Error(`importing ${identity.email} failed`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Lists people in the workspace's people directory, through the addPerson command. */
export async function addPeople(...identities: Identity[]): Promise<void> {
  const { publicIdentity } = await import('../../src/core/index.js');
  for (const i of identities) {
    const added = await vscode.commands.executeCommand<{ id: string } | undefined>('sensitivity.addPerson', {
      person: publicIdentity(i),
      replace: true,
      folder: workspaceRoot(),
    });
    if (added?.id !== i.id) throw new Error(`adding ${i.email} failed`);
  }
}

/** The Purview tenant and General's Purview label GUID in TEST_POLICY. */
export const PURVIEW_TENANT = 'cb46c030-1825-4e81-a295-151c039dbf02';
export const PURVIEW_GENERAL = '2096f6a2-d2f7-48be-b329-b73aaa526e5d';

/**
 * The policy all extension suites share: the default labels, downgrades need a justification, files
 * under `mandatory/` need a label, new files get General, and a custom role that may copy but not edit.
 */
export const TEST_POLICY: Policy = {
  ...DEFAULT_POLICY,
  // Internal: a label above General that does not protect, for tests of labeling itself (encrypt on label aside).
  // Office documents and PDFs labeled General carry it inside (documents.itest.ts); other files are unaffected.
  purview: { tenantId: PURVIEW_TENANT },
  labels: [
    ...DEFAULT_POLICY.labels.slice(0, 2).map((l) => (l.id === 'general' ? { ...l, purviewId: PURVIEW_GENERAL } : l)),
    { id: 'internal', name: 'Internal', color: 'charts.purple' },
    ...DEFAULT_POLICY.labels.slice(2),
  ],
  defaultLabel: 'general',
  mandatory: ['mandatory/'],
  requireDowngradeJustification: true,
  roles: { Reader: ['VIEW', 'VIEWRIGHTSDATA', 'EXTRACT'] },
};

/** Writes TEST_POLICY (once) and waits until the extension's label index sees it. */
export async function ensurePolicy(): Promise<void> {
  const path = join(workspaceRoot().fsPath, '.sensitivity/policy.json');
  if (
    await fs.stat(path).then(
      () => true,
      () => false,
    )
  )
    return;
  await writeFixture('.sensitivity/policy.json', JSON.stringify(TEST_POLICY, null, 2));
  const probe = await writeFixture('mandatory/.probe.md', 'probe\n');
  const a = await api();
  await waitFor(async () => (await a.labelOf(probe))?.missingMandatory, 'the label index to pick up the test policy');
}

/** The labels manifest on disk (empty when there is none). */
export async function manifest(): Promise<Record<string, { label: string; justification?: string; setBy: { email: string } }>> {
  const text = await fs.readFile(join(workspaceRoot().fsPath, '.sensitivity/labels.json'), 'utf8').catch(() => undefined);
  return text ? (JSON.parse(text) as { files: Record<string, { label: string; justification?: string; setBy: { email: string } }> }).files : {};
}

export interface AuditLine {
  readonly seq: number;
  readonly action: string;
  readonly actor: { readonly email: string } | null;
  readonly file?: string;
  readonly [detail: string]: unknown;
}

/** Every entry of the audit log shared with the CLI. */
export async function auditLog(): Promise<AuditLine[]> {
  const home = process.env.SENSITIVITY_HOME;
  if (!home) throw new Error('SENSITIVITY_HOME is not set');
  const text = await fs.readFile(join(home, 'audit.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as AuditLine);
}

/** Audit entries appended after `before` entries (the log length at the start of a test). */
export async function auditSince(before: number): Promise<AuditLine[]> {
  return (await auditLog()).slice(before);
}

/** A text file under a fresh name in the workspace, returned with its URI. */
export async function freshFile(prefix: string, ext: string, content: string): Promise<vscode.Uri> {
  const name = `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}${ext}`;
  return writeFixture(name, content);
}

export { workspaceUri };
