/**
 * Plaintext of any version of a protected file, read-only: `sensitivity-version:/dir/plan.md?<source>` shows
 * the envelope at `<source>` (a `git:` URI of HEAD or the index, or the `file:` on disk) decrypted in memory.
 * The path is the inner name, so the editor picks the inner file's language. Nothing is written anywhere.
 */
import * as vscode from 'vscode';
import { isSensitivityError } from '../../core/errors.js';
import type { Services } from '../services.js';
import { describeError } from '../ui/errors.js';
import { PROTECTED_EXT } from '../protected/uris.js';

export const VERSION_SCHEME = 'sensitivity-version';

/** The read-only plaintext URI of the envelope version at `source` (`git:` or `file:`, path ending in .protected). */
export function versionUriOf(source: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: VERSION_SCHEME, path: source.path.slice(0, -PROTECTED_EXT.length), query: source.toString() });
}

/** The envelope on disk a version belongs to (whose workspace, audit name and policy apply). */
const envelopeOf = (uri: vscode.Uri) => vscode.Uri.file(uri.path + PROTECTED_EXT);

class VersionFileSystem implements vscode.FileSystemProvider {
  private readonly never = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.never.event;

  constructor(private readonly services: Services) {}

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  stat(): vscode.FileStat {
    return { type: vscode.FileType.File, ctime: 0, mtime: 0, size: 0, permissions: vscode.FilePermission.Readonly };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const envelope = envelopeOf(uri);
    try {
      const bytes = await vscode.workspace.fs.readFile(vscode.Uri.parse(uri.query, true));
      const { app } = await this.services.core();
      const s = await this.services.session(envelope);
      const { content, rights } = await app.openVersion(s, s.workspace.relPath(envelope.fsPath), bytes);
      // As in the protected file system: a text editor lets people copy, so VIEW-only readers get none.
      if (!rights.includes('EDIT') && !rights.includes('EXTRACT')) {
        content.fill(0);
        throw vscode.FileSystemError.NoPermissions(
          'Your rights on this file are view only (no EXTRACT): open it from the Explorer to read it in the read-only view.',
        );
      }
      return content;
    } catch (e) {
      if (e instanceof vscode.FileSystemError) throw e;
      const { message } = describeError(e, envelope);
      throw isSensitivityError(e) && e.exitCode === 3 ? vscode.FileSystemError.NoPermissions(message) : vscode.FileSystemError.Unavailable(message);
    }
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions('read-only');
  }

  writeFile(): void {
    throw vscode.FileSystemError.NoPermissions('Earlier versions of a protected file are read-only.');
  }

  delete(): void {
    throw vscode.FileSystemError.NoPermissions('read-only');
  }

  rename(): void {
    throw vscode.FileSystemError.NoPermissions('read-only');
  }
}

/** Registers the read-only version file system. */
export function registerVersionFileSystem(services: Services): vscode.Disposable {
  return vscode.workspace.registerFileSystemProvider(VERSION_SCHEME, new VersionFileSystem(services), { isCaseSensitive: true, isReadonly: true });
}
