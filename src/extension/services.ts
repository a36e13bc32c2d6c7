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
import { OrganisationSignIn } from './organisation.js';
import { envelopeUriOf } from './protected/uris.js';
import { completingSteps } from './walkthrough.js';

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
  /** The organisation sign-in (authentication provider) and its tokens for the key service (`organisation.tokens`). */
  readonly organisation: OrganisationSignIn;
}

async function isDir(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * The nearest ancestor of `file` holding a `.sensitivity/` of yours, not above its workspace folder; else
 * the workspace folder itself; outside any folder, the CLI's rule (no higher than the git root). A
 * `.sensitivity/` another user owns or anyone may write is passed over (`warn` hears it). A workspace
 * folder's own URI is governed by that folder.
 */
export async function governingRoot(
  file: vscode.Uri,
  core: () => Promise<Core>,
  warn: (dir: string, reason: string) => void = () => undefined,
): Promise<string> {
  const { folder, start } = startOf(file);
  if (!folder) return (await core()).findWorkspaceRoot(start);
  for (let dir = start; dir.startsWith(folder); dir = dirname(dir)) {
    const marker = join(dir, WORKSPACE_DIR);
    if (await isDir(marker)) {
      const reason = await (await core()).unsafeReason(marker);
      if (reason === undefined) return dir;
      warn(marker, reason);
    }
    if (dir === folder || dirname(dir) === dir) break;
  }
  return folder;
}

/** Where the walk up for `uri` starts, and the workspace folder that bounds it (none: outside every folder). */
function startOf(uri: vscode.Uri): { folder?: string; start: string } {
  const fileUri = envelopeUriOf(uri);
  const folder = vscode.workspace.getWorkspaceFolder(fileUri)?.uri.fsPath;
  // The folder itself (the access panel asks with it) starts there, not in the folder above it.
  const start = folder === fileUri.fsPath ? folder : dirname(fileUri.fsPath);
  return folder === undefined ? { start } : { folder, start };
}

/** Builds the shared services; everything heavy stays unloaded until first used. */
export function createServices(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, identities: IdentityStore): Services {
  // Folder → governing root, so decorating a folder's files costs one walk up, not one per file.
  const roots = new Map<string, Promise<string>>();
  const rootOf = (uri: vscode.Uri) => {
    // Keyed by the bounding folder too: a path outside every folder (a breadcrumb's parent folder seen
    // through the protected scheme) follows the CLI's rule and must not answer for a folder's own files.
    const { folder = '', start } = startOf(uri);
    const key = `${folder}\0${start}`;
    let root = roots.get(key);
    if (!root) {
      root = governingRoot(uri, loadCore, (dir, reason) => {
        log.warn(`ignoring ${dir}: ${reason}`);
        void vscode.window.showWarningMessage(`Sensitivity ignores ${dir}: ${reason}. Its policy and people are not used.`);
      });
      roots.set(key, root);
    }
    return root;
  };
  // Every successful operation is audited: that is also when a walkthrough step is done.
  const sink = loadCore().then((core) => completingSteps(core.auditLogSink(core.auditPath(core.resolveHome()))));
  const organisation = new OrganisationSignIn(context.secrets);
  // Double Key files: the key service, with tokens from the organisation sign-in (which asks the user when needed).
  const keyService = loadCore().then((core) => core.httpKeyServiceClient({ tokens: organisation.tokens }));
  // The organisation's certified directory (when the workspace policy names an organisation).
  const directory = loadCore().then((core) => core.httpOrganisationDirectory({ tokens: organisation.tokens }));
  // Its witness, which registers every access change in such a workspace.
  const witness = loadCore().then((core) => core.httpWitnessService({ tokens: organisation.tokens }));
  const audit = async (event: AuditEvent) => (await sink).append(event);
  const base: Omit<Services, 'labels' | 'contentFindings' | 'findings'> = {
    context,
    organisation,
    log,
    identities,
    core: loadCore,
    rootOf,
    forgetRoots: () => roots.clear(),
    audit,
    async session(uri) {
      const core = await loadCore();
      // Pins and accepted workspace keys live in $SENSITIVITY_HOME, shared with the CLI. In restricted mode
      // (Workspace Trust not granted) the workspace policy's keys are never used.
      const trust = { home: core.resolveHome(), workspaceKeys: vscode.workspace.isTrusted ? ('ask' as const) : ('ignore' as const) };
      return core.sessionIn(
        core.openWorkspace(await rootOf(uri)),
        await identities.get(),
        await sink,
        undefined,
        trust,
        await keyService,
        await directory,
        await witness,
      );
    },
  };
  const contentFindings = new FindingsRegistry();
  return { ...base, labels: new LabelIndex(base), contentFindings, findings: (uri) => contentFindings.of(uri) };
}
