/**
 * The label of any file, fast enough for explorer decorations and the status bar: policies and manifests
 * are cached per governing folder and envelope headers per file, all dropped by file watchers (labels.json,
 * policy.json, `*.protected`) or when your identity changes (your rights change with it).
 */
import * as vscode from 'vscode';
import { posixRelative } from '../node/paths.js';
import type { LabelsManifest, Policy, PolicyLabel } from '../core/index.js';
import type { FileAction, LabeledFile, ProtectedInfo } from '../core/app/index.js';
import { documentKindOf } from '../core/documents/formats.js';
import type { Services } from './services.js';
import { editorUriOf, envelopeUriOf, isEnvelopeUri } from './protected/uris.js';

/** A label as shown: the policy's view of it when the policy knows its id, else what the envelope says. */
export interface ShownLabel {
  readonly id: string;
  readonly displayName: string;
  readonly description?: string;
  readonly color?: string;
  /** Index in the policy's order (higher is more sensitive); undefined for a label the policy does not know. */
  readonly rank?: number;
  /** The label's markings turn the editor banner on (issue 22). */
  readonly banner?: true;
}

/** What a file carries. */
export interface FileLabel {
  /** The file on disk (the envelope for a protected file). */
  readonly uri: vscode.Uri;
  readonly root: string;
  /** Path relative to `root`, POSIX. */
  readonly rel: string;
  readonly label?: ShownLabel;
  /** The envelope's header as you see it (your rights, owner, grants, expiry); only for protected files. */
  readonly protected?: ProtectedInfo;
  /** Who labeled a plain file, when, and why (downgrades). */
  readonly setBy?: { readonly email: string; readonly name?: string };
  readonly setAt?: string;
  readonly justification?: string;
  /** For a label carried inside an Office document or PDF (MSIP metadata): its Purview label GUID and tenant. */
  readonly document?: LabeledFile['document'];
  /** The policy requires a label here and the file has none. */
  readonly missingMandatory: boolean;
  /** The label requires protection and the file is still plaintext: a warning until it is protected. */
  readonly protectionMissing: boolean;
}

interface RootState {
  readonly policy: Promise<Policy>;
  readonly labels: Promise<ReadonlyMap<string, PolicyLabel>>;
  readonly manifest: Promise<LabelsManifest>;
}

/** Turns a policy label into what is shown. */
export function shownLabel(l: PolicyLabel): ShownLabel {
  return {
    id: l.id,
    displayName: l.displayName,
    rank: l.rank,
    ...(l.description ? { description: l.description } : {}),
    ...(l.color ? { color: l.color } : {}),
    ...(l.markings?.banner ? { banner: true as const } : {}),
  };
}

/** The context key listing rolled-back envelopes (`resourcePath in sensitivity.rolledBack` in package.json's menus). */
const ROLLED_BACK_CONTEXT = 'sensitivity.rolledBack';

/**
 * Context keys listing the protected files seen so far on which you may act (`resourcePath in sensitivity.mayShare`
 * in package.json's menus), envelope and editor paths both: menus offer only what you may do (issue 22).
 */
const MAY_CONTEXT: Readonly<Record<MenuAction, string>> = {
  share: 'sensitivity.mayShare',
  unprotect: 'sensitivity.mayUnprotect',
  expiry: 'sensitivity.mayChangeExpiry',
};

/** What menus gate: the core's file actions, and changing the expiry (owners; after expiry, only when owners may renew). */
type MenuAction = FileAction | 'expiry';
const MENU_ACTIONS = Object.keys(MAY_CONTEXT) as MenuAction[];

/** Office documents and PDFs, whose label may live inside them (src/core/documents/formats.ts). */
export const DOCUMENT_GLOB = '**/*.{docx,docm,dotx,dotm,xlsx,xlsm,xltx,xltm,pptx,pptm,potx,potm,ppsx,ppsm,pdf,DOCX,XLSX,PPTX,PDF}';

export class LabelIndex implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  /** Fires with the URIs whose label may have changed (disk and editor URIs), or undefined for "any file". */
  readonly onDidChange = this.changed.event;
  private readonly roots = new Map<string, RootState>();
  private readonly envelopes = new Map<string, Promise<ProtectedInfo>>();
  /** Labels inside documents, per file, until the file changes. */
  private readonly documents = new Map<string, Promise<LabeledFile | undefined>>();
  /** URI paths of envelopes older than a version you have opened (E_ROLLBACK), as the `ROLLED_BACK_CONTEXT` key. */
  private readonly rolledBack = new Set<string>();
  /** URI paths (envelope and editor) of protected files on which you may act, per `MAY_CONTEXT` key. */
  private readonly may: Record<MenuAction, Set<string>> = { share: new Set(), unprotect: new Set(), expiry: new Set() };
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly services: Omit<Services, 'labels' | 'contentFindings' | 'findings'>) {
    const settings = vscode.workspace.createFileSystemWatcher('**/.sensitivity/*.json');
    // A new `.sensitivity/` folder may arrive as one folder event (git checkout, mkdir + write at once).
    const settingsDir = vscode.workspace.createFileSystemWatcher('**/.sensitivity', false, true, false);
    const envelopes = vscode.workspace.createFileSystemWatcher('**/*.protected');
    const onSettings = (uri: vscode.Uri) => {
      // `<root>/.sensitivity/labels.json` (or the folder itself): forget that root and the folder→root answers.
      const root = uri.path.endsWith('/.sensitivity') ? vscode.Uri.joinPath(uri, '..') : vscode.Uri.joinPath(uri, '..', '..');
      this.roots.delete(root.fsPath);
      services.forgetRoots();
      this.changed.fire(undefined);
    };
    const onEnvelope = (uri: vscode.Uri) => this.invalidate([uri]);
    const documents = vscode.workspace.createFileSystemWatcher(DOCUMENT_GLOB);
    this.subscriptions.push(
      settings,
      settingsDir,
      envelopes,
      settingsDir.onDidCreate(onSettings),
      settingsDir.onDidDelete(onSettings),
      settings.onDidChange(onSettings),
      settings.onDidCreate(onSettings),
      settings.onDidDelete(onSettings),
      envelopes.onDidChange(onEnvelope),
      envelopes.onDidCreate(onEnvelope),
      envelopes.onDidDelete(onEnvelope),
      documents,
      documents.onDidChange(onEnvelope),
      documents.onDidCreate(onEnvelope),
      documents.onDidDelete(onEnvelope),
      services.identities.onDidChange(() => {
        this.envelopes.clear();
        this.changed.fire(undefined);
      }),
      this.changed,
    );
  }

  /**
   * Forgets what is known about these files (after a command changed them) and tells listeners: their
   * headers, and the manifests of the folders above them, without waiting for the file watcher (which
   * lags under load, and a stale manifest would take a label a person just chose for no label at all).
   */
  invalidate(uris: readonly vscode.Uri[]): void {
    const fired: vscode.Uri[] = [];
    for (const u of uris) {
      const disk = envelopeUriOf(u);
      this.envelopes.delete(disk.fsPath);
      this.documents.delete(disk.fsPath);
      for (const root of this.roots.keys()) if (posixRelative(root, disk.fsPath) !== undefined) this.roots.delete(root);
      fired.push(disk);
      if (isEnvelopeUri(disk)) fired.push(editorUriOf(disk));
    }
    this.changed.fire(fired);
  }

  /** Forgets every cached policy, manifest and header (e.g. a policy file changed). */
  invalidateAll(): void {
    this.roots.clear();
    this.envelopes.clear();
    this.documents.clear();
    this.changed.fire(undefined);
  }

  private root(root: string): RootState {
    let state = this.roots.get(root);
    if (!state) {
      const workspace = this.services.core().then((c) => c.openWorkspace(root));
      const policy = workspace.then((w) => w.policy());
      const core = this.services.core();
      state = {
        policy,
        labels: Promise.all([core, policy]).then(([c, p]) => new Map(c.flattenLabels(p).map((l) => [l.id, l]))),
        manifest: workspace.then((w) => w.manifest()),
      };
      // A broken policy or manifest is reported by commands; here it must not stick in the cache.
      state.policy.catch(() => this.roots.delete(root));
      state.manifest.catch(() => this.roots.delete(root));
      this.roots.set(root, state);
    }
    return state;
  }

  /** The policy governing `uri`. */
  async policyOf(uri: vscode.Uri): Promise<Policy> {
    return this.root(await this.services.rootOf(uri)).policy;
  }

  /** A label of the policy governing `uri`, by id, as shown. */
  async policyLabel(uri: vscode.Uri, id: string): Promise<ShownLabel | undefined> {
    const known = (await this.root(await this.services.rootOf(uri)).labels).get(id);
    return known ? shownLabel(known) : undefined;
  }

  /** The header of a protected file as you see it (cached until the file or your identity changes). */
  protectedInfo(envelope: vscode.Uri): Promise<ProtectedInfo> {
    const disk = envelopeUriOf(envelope);
    const cached = this.envelopes.get(disk.fsPath);
    if (cached) return cached;
    const info = (async () => {
      const { app } = await this.services.core();
      const s = await this.services.session(disk);
      return app.inspect(s, s.workspace.relPath(disk.fsPath));
    })();
    // A read overtaken by a change (the file, your identity) may end after the newer one: it must not set the menus then.
    const current = () => this.envelopes.get(disk.fsPath) === info;
    info.then(
      async (i) => {
        const { app } = await this.services.core();
        if (!current()) return;
        this.noteRollback(disk, i.rollback !== null);
        for (const action of MENU_ACTIONS) this.noteMay(disk, action, action === 'expiry' ? app.mayChangeExpiry(i) : app.mayDo(i, action));
      },
      () => {
        if (!current()) return;
        this.envelopes.delete(disk.fsPath);
        for (const action of MENU_ACTIONS) this.noteMay(disk, action, false);
      },
    );
    this.envelopes.set(disk.fsPath, info);
    return info;
  }

  /** The label inside a document (Office, PDF), read once until the file changes; undefined when it carries none. */
  private labelInside(disk: vscode.Uri): Promise<LabeledFile | undefined> {
    let found = this.documents.get(disk.fsPath);
    if (!found) {
      found = (async () => {
        const { app } = await this.services.core();
        const s = await this.services.session(disk);
        const f = await app.plainLabelOf(s, s.workspace.relPath(disk.fsPath));
        return f?.document ? f : undefined;
      })();
      const read = found;
      found.catch(() => this.documents.get(disk.fsPath) === read && this.documents.delete(disk.fsPath));
      this.documents.set(disk.fsPath, found);
    }
    return found;
  }

  /** Keeps the Explorer's "Accept Restored Version" entry on exactly the rolled-back envelopes seen so far. */
  private noteRollback(disk: vscode.Uri, rolledBack: boolean): void {
    if (rolledBack === this.rolledBack.has(disk.path)) return;
    if (rolledBack) this.rolledBack.add(disk.path);
    else this.rolledBack.delete(disk.path);
    void vscode.commands.executeCommand('setContext', ROLLED_BACK_CONTEXT, [...this.rolledBack]);
  }

  /** Keeps a `MAY_CONTEXT` key on exactly the protected files seen so far on which you may `action`. */
  private noteMay(disk: vscode.Uri, action: MenuAction, may: boolean): void {
    const set = this.may[action];
    if (may === set.has(disk.path)) return;
    for (const path of [disk.path, editorUriOf(disk).path]) {
      if (may) set.add(path);
      else set.delete(path);
    }
    void vscode.commands.executeCommand('setContext', MAY_CONTEXT[action], [...set]);
  }

  /** What `uri` carries (a plain file, an envelope or an editor URI of one); undefined outside file schemes. */
  async labelOf(uri: vscode.Uri): Promise<FileLabel | undefined> {
    const disk = envelopeUriOf(uri);
    if (disk.scheme !== 'file') return undefined;
    const rootPath = await this.services.rootOf(disk);
    const rel = posixRelative(rootPath, disk.fsPath);
    if (rel === undefined || rel.startsWith('.sensitivity/')) return undefined;
    const root = this.root(rootPath);
    const labels = await root.labels;
    const file = { uri: disk, root: rootPath, rel, missingMandatory: false };
    // A label the file carries itself (envelope, document): the policy's view of it, else its own name.
    const carried = (l: { id: string; name: string }) => {
      const known = labels.get(l.id);
      return { label: known ? shownLabel(known) : { id: l.id, displayName: l.name }, known };
    };
    if (isEnvelopeUri(disk)) {
      const info = await this.protectedInfo(disk);
      return { ...file, label: carried(info.label).label, protected: info, protectionMissing: false };
    }
    const core = await this.services.core();
    const inside = documentKindOf(rel) ? await this.labelInside(disk) : undefined;
    if (inside) {
      const { label, known } = carried(inside.label);
      const protectionMissing = known !== undefined && core.requiresProtection(known);
      return { ...file, label, ...(inside.setAt ? { setAt: inside.setAt } : {}), document: inside.document, protectionMissing };
    }
    const entry = core.getLabel(await root.manifest, rel);
    const known = entry ? labels.get(entry.label) : undefined;
    return {
      uri: disk,
      root: rootPath,
      rel,
      ...(entry ? { label: known ? shownLabel(known) : { id: entry.label, displayName: entry.label }, setBy: entry.setBy, setAt: entry.setAt } : {}),
      ...(entry?.justification ? { justification: entry.justification } : {}),
      missingMandatory: !entry && core.isMandatory(await root.policy, rel),
      protectionMissing: known !== undefined && core.requiresProtection(known),
    };
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
