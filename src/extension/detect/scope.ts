/**
 * Which files are scanned, and under which policy and label: what the CLI's `sensitivity scan` skips
 * (the policy's `detection.exclude`, `.gitignore`) is skipped in the editor too, and files under
 * `.sensitivity/` are never scanned. A protected file is judged by its inner name and its envelope's label.
 */
import { promises as fs } from 'node:fs';
import { join, posix } from 'node:path';
import type * as vscode from 'vscode';
import type { Policy } from '../../core/index.js';
import type { Services } from '../services.js';
import type { AutoLabels } from './auto-labels.js';
import type { CurrentLabel } from './assess.js';
import { PROTECTED_EXT } from '../protected/uris.js';

type Engine = typeof import('./engine.js');

/** What a file is scanned against; `skip` says why it is not scanned at all. */
export interface Scope {
  /** The file on disk (the envelope of a protected file). */
  readonly disk: vscode.Uri;
  readonly policy: Policy;
  readonly current?: CurrentLabel;
  /** The current label was applied by an `apply` rule (so another may raise it). */
  readonly automatic: boolean;
  readonly protected: boolean;
  readonly skip?: string;
}

export class Scopes {
  /** `.gitignore` texts by absolute path (undefined: none), dropped when any `.gitignore` changes. */
  private readonly gitignores = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly services: Services,
    private readonly autoLabels: AutoLabels,
  ) {}

  /** Forgets the `.gitignore` files read so far. */
  forgetIgnores(): void {
    this.gitignores.clear();
  }

  /** The scope of `uri` (a plain file or a protected file's editor URI); undefined outside what labels apply to. */
  async of(uri: vscode.Uri, engine: Engine): Promise<Scope | undefined> {
    const f = await this.services.labels.labelOf(uri).catch(() => undefined);
    if (!f) return undefined;
    const policy = await this.services.labels.policyOf(uri);
    const isProtected = f.protected !== undefined;
    const rel = isProtected && f.rel.endsWith(PROTECTED_EXT) ? f.rel.slice(0, -PROTECTED_EXT.length) : f.rel;
    const skip = (await this.ignored(engine, f.root, rel, policy)) ? 'excluded by the policy or .gitignore' : undefined;
    return {
      disk: f.uri,
      policy,
      ...(f.label ? { current: { id: f.label.id, displayName: f.label.displayName, ...(f.protectionMissing ? { unprotected: true } : {}) } } : {}),
      automatic: !isProtected && f.label !== undefined && this.autoLabels.isAutomatic(f.uri.fsPath, f.label.id, f.setAt),
      protected: isProtected,
      ...(skip ? { skip } : {}),
    };
  }

  /** Is `rel` (or a folder above it) excluded by the policy or a `.gitignore` from the root down? */
  private async ignored(engine: Engine, root: string, rel: string, policy: Policy): Promise<boolean> {
    const dirs = rel.split('/').slice(0, -1);
    const parents = dirs.map((_, i) => dirs.slice(0, i + 1).join('/'));
    const files = await Promise.all(['', ...parents].map(async (dir) => ({ dir, text: await this.gitignore(join(root, dir, '.gitignore')) })));
    const ignored = engine.createIgnoreMatcher(
      files.filter((f): f is { dir: string; text: string } => f.text !== undefined),
      policy.detection?.exclude ?? [],
    );
    // Nothing inside an ignored folder can be re-included (git's rule), so folders are asked first.
    return parents.some((p) => ignored(p, true)) || ignored(posix.normalize(rel), false);
  }

  private gitignore(path: string): Promise<string | undefined> {
    let text = this.gitignores.get(path);
    if (!text) {
      text = fs.readFile(path, 'utf8').catch(() => undefined);
      this.gitignores.set(path, text);
    }
    return text;
  }
}
