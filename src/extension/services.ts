/**
 * What every part of the extension shares: the lazily loaded core, your identity, the label index and a
 * way to build an operations session (workspace, identity, clock, audit) for any file.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { AuditEvent } from '../core/index.js';
import { WORKSPACE_DIR } from '../core/paths.js';
import type { Session } from '../node/session.js';
import { loadCore, type Core } from './core.js';
import { FindingsRegistry, type ContentFindings } from './findings.js';
import type { IdentityStore } from './identity-store.js';
import { LabelIndex } from './label-index.js';
import { envelopeUriOf } from './protected/uris.js';

export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly identities: IdentityStore;
  /** Labels of files, cached and kept current by file watchers. */
  readonly labels: LabelIndex;
  /** Content findings, when a detection provider is registered (issue 5). */
  readonly contentFindings: FindingsRegistry;
  /** The findings of a file (the access panel's hook). */
  findings(uri: vscode.Uri): Promise<ContentFindings | undefined>;
  core(): Promise<Core>;
  /** The folder whose `.sensitivity/` governs `uri` (policy, manifest, people). */
  rootOf(uri: vscode.Uri): Promise<string>;
  /** Drops cached `rootOf` answers (a `.sensitivity/` folder appeared or went). */
  forgetRoots(): void;
  /** Appends to the audit log shared with the CLI (`$SENSITIVITY_HOME/audit.jsonl`). */
  audit(event: AuditEvent): Promise<void>;
  /** A session acting on `uri` as you (identity may be absent: reads and inspections still work). */
  session(uri: vscode.Uri): Promise<Session>;
}

async function isDir(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * The nearest ancestor of `file` holding `.sensitivity/`, not above its workspace folder; else the
 * workspace folder itself; outside any folder, the CLI's rule (nearest `.sensitivity/` or git root).
 */
export async function governingRoot(file: vscode.Uri, core: () => Promise<Core>): Promise<string> {
  const fileUri = envelopeUriOf(file);
  const folder = vscode.workspace.getWorkspaceFolder(fileUri);
  if (!folder) return (await core()).findWorkspaceRoot(dirname(fileUri.fsPath));
  const top = folder.uri.fsPath;
  for (let dir = dirname(fileUri.fsPath); dir.startsWith(top); dir = dirname(dir)) {
    if (await isDir(join(dir, WORKSPACE_DIR))) return dir;
    if (dir === top || dirname(dir) === dir) break;
  }
  return top;
}

/** Builds the shared services; everything heavy stays unloaded until first used. */
export function createServices(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, identities: IdentityStore): Services {
  // Folder → governing root, so decorating a folder's files costs one walk up, not one per file.
  const roots = new Map<string, Promise<string>>();
  const rootOf = (uri: vscode.Uri) => {
    const dir = dirname(envelopeUriOf(uri).fsPath);
    let root = roots.get(dir);
    if (!root) {
      root = governingRoot(uri, loadCore);
      roots.set(dir, root);
    }
    return root;
  };
  const sink = loadCore().then((core) => core.auditLogSink(core.auditPath(core.resolveHome())));
  const audit = async (event: AuditEvent) => (await sink).append(event);
  const base: Omit<Services, 'labels' | 'contentFindings' | 'findings'> = {
    context,
    log,
    identities,
    core: loadCore,
    rootOf,
    forgetRoots: () => roots.clear(),
    audit,
    async session(uri) {
      const core = await loadCore();
      return core.sessionIn(core.openWorkspace(await rootOf(uri)), await identities.get(), await sink);
    },
  };
  const contentFindings = new FindingsRegistry();
  return { ...base, labels: new LabelIndex(base), contentFindings, findings: (uri) => contentFindings.of(uri) };
}
