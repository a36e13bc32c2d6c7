/**
 * The `sensitivity-protected:` file system: reading decrypts the envelope in memory (authenticated before
 * any byte is returned), writing re-encrypts the new text into a temporary file renamed over the envelope,
 * under the same policy. No plaintext is ever written to disk by this provider.
 */
import { promises as fs } from 'node:fs';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { isSensitivityError } from '../../core/errors.js';
import type { ProtectedInfo } from '../../core/app/index.js';
import type { Services } from '../services.js';
import { describeError } from '../ui/errors.js';
import { decryptShared, take } from './handoff.js';
import { diskUriOf, envelopeUriOf, PROTECTED_EXT, PROTECTED_SCHEME } from './uris.js';

/** Turns a core failure into the FileSystemError VS Code shows in the editor, in our words. */
function fsError(e: unknown, uri: vscode.Uri): vscode.FileSystemError {
  if (e instanceof vscode.FileSystemError) return e;
  if ((e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' || isSensitivityError(e, 'E_NOT_FOUND')) {
    return vscode.FileSystemError.FileNotFound(uri);
  }
  const { message } = describeError(e, envelopeUriOf(uri));
  return isSensitivityError(e) && e.exitCode === 3 ? vscode.FileSystemError.NoPermissions(message) : vscode.FileSystemError.Unavailable(message);
}

export class ProtectedFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;
  /** The policy each envelope had when its content was last read here: a save re-checks it (issue 9: a save racing a revoke fails cleanly). */
  private readonly openedPolicy = new Map<string, string>();

  constructor(
    private readonly services: Services,
    private readonly inspect: (envelope: vscode.Uri) => Promise<ProtectedInfo>,
  ) {}

  /** Watches the envelope behind `uri`, so an editor reloads when the file changes on disk (CLI, git, grant). */
  watch(uri: vscode.Uri): vscode.Disposable {
    const envelope = envelopeUriOf(uri);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(envelope.fsPath)), basename(envelope.fsPath)));
    const fire = (type: vscode.FileChangeType) => () => this.changes.fire([{ type, uri }]);
    return vscode.Disposable.from(
      watcher,
      watcher.onDidChange(fire(vscode.FileChangeType.Changed)),
      watcher.onDidCreate(fire(vscode.FileChangeType.Created)),
      watcher.onDidDelete(fire(vscode.FileChangeType.Deleted)),
    );
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const envelope = envelopeUriOf(uri);
    try {
      // A folder of the breadcrumbs is the folder itself on disk; a file is its envelope.
      const folder = await fs.stat(diskUriOf(uri).fsPath).then(
        (st) => (st.isDirectory() ? st : undefined),
        () => undefined,
      );
      if (folder) return { type: vscode.FileType.Directory, ctime: folder.ctimeMs, mtime: folder.mtimeMs, size: 0 };
      const st = await fs.stat(envelope.fsPath);
      const info = await this.inspect(envelope).catch(() => undefined);
      // Without EDIT (or once expired) the editor is read-only; a damaged header, or an older copy than one you have seen, too.
      const writable = info !== undefined && info.denied === null && info.rollback === null && info.yourRights.includes('EDIT');
      return {
        type: vscode.FileType.File,
        ctime: st.ctimeMs,
        mtime: st.mtimeMs,
        size: info?.size ?? 0,
        ...(writable ? {} : { permissions: vscode.FilePermission.Readonly }),
      };
    } catch (e) {
      throw fsError(e, uri);
    }
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const envelope = envelopeUriOf(uri);
    // A text editor lets people copy: VIEW-only readers get the no-copy page instead, never this path.
    const info = await this.inspect(envelope).catch(() => undefined);
    if (info && !info.denied && !info.yourRights.includes('EDIT') && !info.yourRights.includes('EXTRACT')) {
      throw vscode.FileSystemError.NoPermissions(
        `Your rights on ${info.innerName} are view only (no copying): open ${basename(envelope.fsPath)} from the Explorer to read it in the read-only view.`,
      );
    }
    try {
      // Opened from the Explorer, the routing editor has already decrypted it (handoff.ts).
      const { content, policyDigest, restat } = (await take(envelope.fsPath)) ?? (await decryptShared(this.services, envelope));
      this.openedPolicy.set(envelope.fsPath, policyDigest);
      // Only the decryption learned it (the organisation's head in a Double Key answer, issue 21): once this read has
      // returned, VS Code stats the file again (same times and size: the text is not read again) and makes the open
      // editor read-only, or writable again.
      if (restat) setTimeout(() => this.changes.fire([{ type: vscode.FileChangeType.Changed, uri }]), 0);
      return content;
    } catch (e) {
      throw fsError(e, uri);
    }
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array, options: { readonly create: boolean; readonly overwrite: boolean }): Promise<void> {
    const envelope = envelopeUriOf(uri);
    const exists = await fs.stat(envelope.fsPath).then(
      () => true,
      () => false,
    );
    if (!exists) {
      // A new protected file needs a label and grants: create it plain and protect it instead.
      throw options.create
        ? vscode.FileSystemError.NoPermissions('Protected files cannot be created here: save the file as a plain file, then run "Sensitivity: Protect…".')
        : vscode.FileSystemError.FileNotFound(uri);
    }
    try {
      const { app } = await this.services.core();
      const s = await this.services.session(envelope);
      const expectPolicy = this.openedPolicy.get(envelope.fsPath);
      const saved = await app.save(s, s.workspace.relPath(envelope.fsPath), content, expectPolicy ? { expectPolicy } : {});
      this.openedPolicy.set(envelope.fsPath, saved.policyDigest);
    } catch (e) {
      throw fsError(e, uri);
    }
    this.changes.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  /** Lists a folder as this scheme sees it: sub-folders and the inner names of protected files. */
  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    try {
      const entries = await fs.readdir(diskUriOf(uri).fsPath, { withFileTypes: true });
      const out: [string, vscode.FileType][] = [];
      for (const e of entries) {
        if (e.isDirectory()) out.push([e.name, vscode.FileType.Directory]);
        else if (e.isFile() && e.name.endsWith(PROTECTED_EXT)) out.push([e.name.slice(0, -PROTECTED_EXT.length), vscode.FileType.File]);
      }
      return out;
    } catch (e) {
      throw fsError(e, uri);
    }
  }

  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions('Folders are created in the Explorer, not inside protected files.');
  }

  delete(): void {
    throw vscode.FileSystemError.NoPermissions('Delete the .protected file in the Explorer.');
  }

  rename(): void {
    throw vscode.FileSystemError.NoPermissions('Rename the .protected file in the Explorer.');
  }

  dispose(): void {
    this.changes.dispose();
  }
}

/** Registers the provider for `sensitivity-protected:` (case-sensitive paths, writable per file). */
export function registerProtectedFileSystem(services: Services, inspect: (envelope: vscode.Uri) => Promise<ProtectedInfo>): vscode.Disposable {
  const provider = new ProtectedFileSystem(services, inspect);
  return vscode.Disposable.from(provider, vscode.workspace.registerFileSystemProvider(PROTECTED_SCHEME, provider, { isCaseSensitive: true }));
}
