/**
 * Every labeled and protected file of the open workspace folders, kept current: a cancellable full index
 * with progress, then file system watchers that re-read only what changed (debounced).
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { flattenLabels } from '../../core/policy/labels.js';
import type { PolicyLabel } from '../../core/policy/types.js';
import { inspect, labeledPlain, plainLabelOf, type LabeledFile, type ProtectedInfo } from '../../core/app/index.js';
import { DOCUMENT_GLOB } from '../label-index.js';
import { isSensitivityError } from '../../core/errors.js';
import { PROTECTED_EXT } from '../../core/paths.js';
import type { Session } from '../../node/session.js';
import type { FileRow, LabelView, ViewModel } from '../../shared/protocol.js';
import { describeError } from '../ui/errors.js';
import { denialWords } from '../ui/error-words.js';
import { discoverEnvelopes, envelopesUnder } from './discovery.js';
import { fileRow, labelViews, problemRow, type PanelFinding, type RowContext } from './model.js';
import type { PanelServices } from './services.js';

/** Documents read for a label inside per folder and refresh, at most (each is read whole). */
const MAX_DOCUMENTS = 2000;

/** Quiet time after the last file event before the index re-reads (editors save in bursts). */
export const DEBOUNCE_MS = 250;
/** Headers read at once: enough to overlap disk waits, few enough not to starve the extension host. */
const CONCURRENCY = 8;
/** Progress messages at most this often. */
const PROGRESS_MS = 100;
/** While indexing, the rows found so far are re-sent at most this often (a model can be large). */
const PARTIAL_MODEL_MS = 1000;
/** More changed envelopes than this at once and the index re-reads everything. */
const BURST = 100;

interface Folder {
  readonly folder: vscode.WorkspaceFolder;
  readonly prefix: string;
  readonly session: Session;
  readonly labels: readonly PolicyLabel[];
  readonly byId: ReadonlyMap<string, PolicyLabel>;
}

interface Entry {
  readonly folder: Folder;
  readonly uri: vscode.Uri;
  readonly file?: LabeledFile;
  readonly problem?: string;
  /** The stable code of `problem`, when the core raised one. */
  readonly problemCode?: string;
  readonly finding?: PanelFinding;
  /** The identity the row was read as (a header shows the full access list only to some): its "you" and rights. */
  readonly me: string | undefined;
}

/** File events collected since the last flush. */
interface Changes {
  /** Envelopes created, changed or deleted. */
  readonly envelopes: Set<string>;
  /** Other paths created (maybe folders, whose envelopes the watcher may not report). */
  readonly created: Set<string>;
  /** Other paths deleted (maybe folders). */
  readonly deleted: Set<string>;
  /** Policy, manifest or people changed. */
  settings: boolean;
}

const noChanges = (): Changes => ({ envelopes: new Set(), created: new Set(), deleted: new Set(), settings: false });

/**
 * The session for one indexing run: pinned people looked up once per signer, not once per header (each
 * lookup reads the home's pins file). A snapshot taken as the run starts; the next run reads them again.
 */
function runSession(session: Session): Session {
  const pins = session.pins;
  if (!pins) return session;
  const byId = new Map<string, ReturnType<typeof pins.byId>>();
  const lookup = (id: string) => {
    let hit = byId.get(id);
    if (!hit) byId.set(id, (hit = pins.byId(id)));
    return hit;
  };
  return { ...session, pins: { ...pins, byId: lookup } };
}

/** The folder `uri` is in, among those being indexed. */
function folderOf(folders: readonly Folder[], uri: vscode.Uri): Folder | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder && folders.find((f) => f.folder.uri.toString() === folder.uri.toString());
}

export class WorkspaceIndex implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the view model changed. */
  readonly onDidChange = this.changed.event;
  private readonly progressed = new vscode.EventEmitter<{ done: number; total: number }>();
  /** Fires while indexing: protected files read so far out of those found. */
  readonly onProgress = this.progressed.event;

  private entries = new Map<string, Entry>();
  private folders: Folder[] = [];
  private status: ViewModel['status'] = 'indexing';
  private error: string | null = null;
  private identity: ViewModel['identity'] = null;
  /** The newest full run: only it commits what it read (an older one may still be unwinding). */
  private run: vscode.CancellationTokenSource | undefined;
  private changes = noChanges();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** True while a flush applies file events (one at a time: each starts from the rows the last one committed). */
  private flushing = false;
  /** Full runs and flushes still in flight, cancelled ones included. */
  private readonly busy = new Set<Promise<void>>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private cachedModel: ViewModel | undefined;
  private readonly headers = new Map<string, { size: number; mtimeMs: number; me: string | undefined; info: ProtectedInfo }>();

  constructor(private readonly services: PanelServices) {
    const envelopes = vscode.workspace.createFileSystemWatcher(`**/*${PROTECTED_EXT}`);
    const settings = vscode.workspace.createFileSystemWatcher('**/.sensitivity/*.json');
    // Folders: deleting one reports the folder only, and files written into a new one can be missed before
    // it is watched, so folder events are resolved here (changes are ignored: envelopes report their own).
    const tree = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
    const onEnvelope = (uri: vscode.Uri) => this.schedule('envelopes', uri);
    const onSettings = () => this.schedule();
    this.subscriptions.push(
      envelopes,
      settings,
      envelopes.onDidCreate(onEnvelope),
      envelopes.onDidChange(onEnvelope),
      envelopes.onDidDelete(onEnvelope),
      tree,
      tree.onDidCreate((uri) => uri.path.endsWith(PROTECTED_EXT) || this.schedule('created', uri)),
      tree.onDidDelete((uri) => uri.path.endsWith(PROTECTED_EXT) || this.schedule('deleted', uri)),
      settings.onDidCreate(onSettings),
      settings.onDidChange(onSettings),
      settings.onDidDelete(onSettings),
      services.identities.onDidChange(() => void this.refresh()),
      ...(services.contentFindings ? [services.contentFindings.onDidChange(onSettings)] : []),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('sensitivity.accessPanel')) void this.refresh();
      }),
      this.changed,
      this.progressed,
    );
  }

  /** The file behind a row key of the current view model. */
  uriOf(path: string): vscode.Uri | undefined {
    return this.entries.get(path)?.uri;
  }

  /** The current view model (rebuilt only after a change). */
  model(): ViewModel {
    if (this.cachedModel) return this.cachedModel;
    const labels = new Map<string, LabelView>();
    for (const f of this.folders) for (const l of labelViews(f.labels)) if (!labels.has(l.id)) labels.set(l.id, l);
    const files: FileRow[] = [];
    for (const [key, e] of this.entries) files.push(this.row(key, e));
    files.sort((a, b) => a.path.localeCompare(b.path));
    this.cachedModel = { status: this.status, identity: this.identity, labels: [...labels.values()], files, error: this.error };
    return this.cachedModel;
  }

  private row(key: string, e: Entry): FileRow {
    if (!e.file) return problemRow(key, e.problem ?? 'unreadable', e.problemCode);
    const ctx: RowContext = { prefix: e.folder.prefix, labels: e.folder.byId, me: e.me, explain: denialWords };
    return fileRow(e.file, ctx, e.finding);
  }

  private changedModel(): void {
    this.cachedModel = undefined;
    this.changed.fire();
  }

  /** Stops a running index; the rows read so far stay. */
  cancel(): void {
    this.run?.cancel();
  }

  /** Resolves when no full run or flush is in flight (cancelled runs included): what it shows is all it will show. */
  async idle(): Promise<void> {
    while (this.busy.size > 0) await Promise.allSettled([...this.busy]);
  }

  private track(work: Promise<void>): Promise<void> {
    this.busy.add(work);
    void work.finally(() => this.busy.delete(work));
    return work;
  }

  /** Re-reads everything (cancelling a run in progress). Resolves when this run ends, whatever its outcome. */
  refresh(): Promise<void> {
    return this.track(this.reindex());
  }

  private async reindex(): Promise<void> {
    this.run?.cancel();
    const run = (this.run = new vscode.CancellationTokenSource());
    const token = run.token;
    this.status = 'indexing';
    this.error = null;
    this.changedModel();
    try {
      const folders = vscode.workspace.workspaceFolders ?? [];
      if (folders.length === 0) {
        this.entries = new Map();
        this.folders = [];
        this.status = 'no-folder';
        return;
      }
      const loaded = await Promise.all(folders.map((f) => this.loadFolder(f, folders.length > 1)));
      if (token.isCancellationRequested) return;
      const plain = await Promise.all(loaded.map((f) => this.plainEntries(f)));
      // Cancelled meanwhile (one identity change fires twice): the newer run commits, and this one must not
      // replace its rows afterwards, or the panel keeps rows read as someone else for good.
      if (token.isCancellationRequested) return;
      const identity = loaded[0]?.session.identity;
      this.identity = identity ? { name: identity.name, email: identity.email } : null;
      this.folders = loaded;
      // Protected rows of the last run stay until re-read (shown as read), so an identity change does not blank the table.
      const entries = new Map<string, Entry>([...this.entries].filter(([, e]) => e.uri.path.endsWith(PROTECTED_EXT)));
      for (const found of plain) for (const [k, e] of found) entries.set(k, e);
      this.entries = entries;
      this.changedModel();
      const sessions = new Map(loaded.map((f) => [f, runSession(f.session)]));
      const discovery = discoverEnvelopes(
        loaded.map((f) => f.folder.uri),
        token,
      );
      let done = 0;
      let lastProgress = 0;
      // The first rows are shown as soon as they are read; then at most every PARTIAL_MODEL_MS.
      let lastModel = 0;
      let listed: ReadonlySet<string> | undefined;
      void discovery.listed.then(
        (l) => (listed = l),
        () => undefined,
      );
      this.progressed.fire({ done, total: 0 });
      const reader = async () => {
        for (let uri = await discovery.next(); uri && !token.isCancellationRequested; uri = await discovery.next()) {
          const f = folderOf(loaded, uri);
          // Found by the quick walk, not listed by the search (excluded): not read.
          if (!f || (listed && !listed.has(uri.fsPath))) continue;
          const [key, entry] = await this.protectedEntry(f, uri, sessions.get(f));
          if (token.isCancellationRequested) return;
          entries.set(key, entry);
          done++;
          const now = Date.now();
          if (now - lastProgress >= PROGRESS_MS) {
            lastProgress = now;
            this.progressed.fire({ done, total: discovery.found });
          }
          if (now - lastModel >= PARTIAL_MODEL_MS) {
            lastModel = now;
            this.changedModel();
          }
        }
      };
      await Promise.all([discovery.listed, ...Array.from({ length: CONCURRENCY }, reader)]);
      const listedPaths = await discovery.listed;
      this.progressed.fire({ done, total: discovery.found });
      if (token.isCancellationRequested) return;
      // Rows of an earlier run, or of the quick walk, that the search does not list.
      for (const [k, e] of entries) if (e.uri.path.endsWith(PROTECTED_EXT) && !listedPaths.has(e.uri.fsPath)) entries.delete(k);
      this.status = 'ready';
    } catch (e) {
      if (token.isCancellationRequested) return;
      this.status = 'error';
      this.error = describeError(e).message;
      this.services.log.warn(`access panel: indexing failed (${e instanceof Error ? e.name : 'error'})`);
    } finally {
      // Only the newest run reports: an older, cancelled one must not overwrite its state.
      if (this.run === run) {
        if (token.isCancellationRequested && this.status === 'indexing') this.status = 'cancelled';
        this.changedModel();
      }
      run.dispose();
    }
  }

  private async loadFolder(folder: vscode.WorkspaceFolder, multiRoot: boolean): Promise<Folder> {
    const session = await this.services.session(folder.uri);
    const labels = flattenLabels(await session.workspace.policy());
    return { folder, prefix: multiRoot ? `${folder.name}/` : '', session, labels, byId: new Map(labels.map((l) => [l.id, l])) };
  }

  /** The manifest's plain files: the manifest is read once, not once per file. */
  private async plainEntries(f: Folder): Promise<Map<string, Entry>> {
    const [manifest, policy] = await Promise.all([f.session.workspace.manifest(), f.session.workspace.policy()]);
    const me = f.session.identity?.id;
    const out = new Map<string, Entry>();
    await Promise.all(
      Object.entries(manifest.files).map(async ([rel, entry]) => {
        const file = labeledPlain(policy, rel, entry);
        const uri = vscode.Uri.joinPath(vscode.Uri.file(f.session.workspace.root), ...rel.split('/'));
        const finding = await this.findings(uri);
        out.set(f.prefix + rel, { folder: f, uri, file, me, ...(finding ? { finding } : {}) });
      }),
    );
    // Office documents and PDFs may carry their label inside (it wins over a manifest entry).
    const documents = await vscode.workspace.findFiles(new vscode.RelativePattern(f.folder, DOCUMENT_GLOB), undefined, MAX_DOCUMENTS);
    for (const uri of documents) {
      const rel = f.session.workspace.relPath(uri.fsPath);
      const file = await plainLabelOf(f.session, rel, policy).catch(() => undefined);
      if (!file?.document) continue;
      const finding = await this.findings(uri);
      out.set(f.prefix + rel, { folder: f, uri, file, me, ...(finding ? { finding } : {}) });
    }
    return out;
  }

  private async findings(uri: vscode.Uri): Promise<PanelFinding | undefined> {
    if (!this.services.findings) return undefined;
    return this.services.findings(uri).catch(() => undefined);
  }

  /** One protected file from its header alone (no key needed); a damaged one becomes a problem row. */
  private async protectedEntry(f: Folder, uri: vscode.Uri, session = f.session): Promise<[string, Entry]> {
    const rel = f.session.workspace.relPath(uri.fsPath);
    const me = session.identity?.id;
    try {
      const info = await this.inspect(session, uri.fsPath);
      return [f.prefix + rel, { folder: f, uri, me, file: { path: rel, label: info.label, protected: info } }];
    } catch (e) {
      this.headers.delete(uri.fsPath);
      return [f.prefix + rel, { folder: f, uri, me, problem: describeError(e).message, ...(isSensitivityError(e) ? { problemCode: e.code } : {}) }];
    }
  }

  /**
   * A header as you see it, reused while the file (size, mtime), your identity and its expiry are unchanged:
   * verifying a policy signature costs milliseconds, and a refresh would otherwise redo every one.
   */
  private async inspect(session: Session, path: string): Promise<ProtectedInfo> {
    const stat = await fs.stat(path);
    const me = session.identity?.id;
    const hit = this.headers.get(path);
    const fresh = (info: ProtectedInfo) => info.expires === null || Date.now() < Date.parse(info.expires);
    if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs && hit.me === me && fresh(hit.info)) return hit.info;
    const info = await inspect(session, session.workspace.relPath(path));
    this.headers.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, me, info });
    return info;
  }

  /** Collects a file event of `kind`; without one, a settings change (policy, manifest, people). */
  private schedule(kind?: 'envelopes' | 'created' | 'deleted', uri?: vscode.Uri): void {
    if (uri && /\/(node_modules|\.git)(\/|$)/.test(uri.path)) return;
    if (kind && uri) this.changes[kind].add(uri.fsPath);
    else this.changes.settings = true;
    this.flushLater();
  }

  private flushLater(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), DEBOUNCE_MS);
  }

  /** Envelopes inside created paths that are folders (a folder moved in, a checkout, a new folder written at once). */
  private async envelopesIn(created: readonly string[]): Promise<string[]> {
    const found: string[] = [];
    for (const path of created) {
      const isDir = await fs.stat(path).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!isDir) continue;
      found.push(...(await envelopesUnder(path)));
    }
    return found;
  }

  /** Drops from `entries` the rows of files at or under deleted paths (a deleted folder reports only itself). */
  private dropDeleted(entries: Map<string, Entry>, deleted: ReadonlySet<string>): void {
    if (deleted.size === 0) return;
    for (const [key, e] of entries) {
      if (!e.uri.path.endsWith(PROTECTED_EXT)) continue;
      for (let p = e.uri.fsPath; p !== dirname(p); p = dirname(p)) {
        if (!deleted.has(p)) continue;
        entries.delete(key);
        this.headers.delete(e.uri.fsPath);
        break;
      }
    }
  }

  private async flush(): Promise<void> {
    if (this.status === 'indexing' || this.flushing) {
      // A full run is reading everything, or a flush is applying earlier events; look again once it is over.
      this.flushLater();
      return;
    }
    this.flushing = true;
    try {
      await this.track(this.applyChanges());
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Applies the collected file events to a copy of the rows and commits it at the end, unless a full run
   * started meanwhile: then it hands the events back for after that run, whose rows it must not replace.
   */
  private async applyChanges(): Promise<void> {
    const run = this.run;
    const changes = this.changes;
    this.changes = noChanges();
    const envelopes = new Set(changes.envelopes);
    try {
      for (const path of await this.envelopesIn([...changes.created])) envelopes.add(path);
      // A burst (a checkout, a batch protect) is cheaper to read as one cancellable, progress-reporting run.
      if (envelopes.size > BURST) return void (await this.refresh());
      const [folders, entries] = changes.settings ? await this.reloadSettings() : [this.folders, new Map(this.entries)];
      this.dropDeleted(entries, changes.deleted);
      for (const path of envelopes) await this.updateEnvelope(folders, entries, vscode.Uri.file(path));
      if (this.run !== run) {
        for (const kind of ['envelopes', 'created', 'deleted'] as const) for (const path of changes[kind]) this.changes[kind].add(path);
        this.changes.settings ||= changes.settings;
        this.flushLater();
        return;
      }
      this.folders = folders;
      this.entries = entries;
    } catch (e) {
      this.services.log.warn(`access panel: update failed (${e instanceof Error ? e.name : 'error'})`);
    }
    this.changedModel();
  }

  /** Policy or manifest changed: new labels, new plain rows; protected rows keep their headers. */
  private async reloadSettings(): Promise<[Folder[], Map<string, Entry>]> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const loaded = await Promise.all(folders.map((f) => this.loadFolder(f, folders.length > 1)));
    const byUri = new Map(loaded.map((f) => [f.folder.uri.toString(), f]));
    const entries = new Map<string, Entry>();
    for (const f of loaded) for (const [k, e] of await this.plainEntries(f)) entries.set(k, e);
    for (const [k, e] of this.entries) {
      const f = byUri.get(e.folder.folder.uri.toString());
      if (f && e.uri.path.endsWith(PROTECTED_EXT)) entries.set(k, { ...e, folder: f });
    }
    return [loaded, entries];
  }

  /** Reads one changed envelope into `entries` (or drops its row when it is gone). */
  private async updateEnvelope(folders: readonly Folder[], entries: Map<string, Entry>, uri: vscode.Uri): Promise<void> {
    const f = folderOf(folders, uri);
    if (!f) return;
    const exists = await vscode.workspace.fs.stat(uri).then(
      () => true,
      () => false,
    );
    const key = f.prefix + f.session.workspace.relPath(uri.fsPath);
    if (!exists) {
      entries.delete(key);
      this.headers.delete(uri.fsPath);
      return;
    }
    const [k, entry] = await this.protectedEntry(f, uri);
    entries.set(k, entry);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.run?.cancel();
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
