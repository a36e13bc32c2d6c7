/**
 * How the access panel finds envelopes. VS Code's file search (`findFiles`, which applies `files.exclude`
 * and the panel's own exclude setting) decides which files are listed, but it answers only once it has
 * listed the whole folder: 0.7 s for 10 000 files on a quiet 2-core machine, seconds under load, and the
 * panel stayed empty until then. So a quick walk of each folder runs beside it and hands out envelopes as
 * it meets them, skipping what the same globs exclude as far as they translate to the core's glob matcher
 * (`files.exclude` entries that are not simply `true` are left to the search). When the search answers,
 * the walk stops, anything it missed is handed out, and `listed` holds the search's answer: rows it does
 * not list (found by the walk, or left from an earlier run) are dropped by the caller. The walk never
 * follows symbolic links (the search does, and its answer adds what lies behind them).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { compileGlobs } from '../../core/glob.js';
import { PROTECTED_EXT } from '../../core/paths.js';

/** Never listed, whatever the settings say (folder names). */
const ALWAYS_SKIPPED = ['node_modules', '.git'];

/** The glob of files the panel skips: `sensitivity.accessPanel.exclude` plus node_modules and .git (VS Code glob syntax). */
function excludeGlobs(): string[] {
  const configured = vscode.workspace.getConfiguration('sensitivity').get<string[]>('accessPanel.exclude', []);
  return [...ALWAYS_SKIPPED.map((d) => `**/${d}/**`), ...configured.filter((g) => typeof g === 'string' && g.length > 0)];
}

/** The search's exclude: one glob of all of them. */
const searchExclude = (): string => `{${excludeGlobs().join(',')}}`;

/**
 * The quick walk's test for a folder-relative path (a folder's ends with `/`): VS Code's globs match the
 * whole relative path, so each is anchored at the folder for the gitignore-style matcher. Undefined when a
 * glob does not translate: then only the search finds envelopes.
 */
function quickExclude(folder: vscode.Uri): ((rel: string) => boolean) | undefined {
  const filesExclude = vscode.workspace.getConfiguration('files', folder).get<Record<string, unknown>>('exclude', {});
  const globs = [...excludeGlobs(), ...Object.entries(filesExclude).flatMap(([glob, on]) => (on === true ? [glob] : []))];
  try {
    return compileGlobs(globs.map((g) => `/${g.replace(/^\/+/, '').replace(/^!/, '\\!')}`));
  } catch {
    return undefined;
  }
}

/** Envelopes handed out one at a time to several readers, in the order they were found, each once. */
class EnvelopeQueue {
  private readonly items: vscode.Uri[] = [];
  private readonly handedOut = new Set<string>();
  private waiting: (() => void)[] = [];
  private ended = false;

  add(uri: vscode.Uri): void {
    if (this.ended || this.handedOut.has(uri.fsPath)) return;
    this.handedOut.add(uri.fsPath);
    this.items.push(uri);
    this.wake();
  }

  /** No more envelopes: readers waiting for one get undefined. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The next envelope, or undefined once none is left and none will come. */
  async take(): Promise<vscode.Uri | undefined> {
    for (;;) {
      const next = this.items.shift();
      if (next || this.ended) return next;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Envelopes handed out or waiting so far. */
  get found(): number {
    return this.handedOut.size;
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }
}

/** Walks `dir` (folder-relative `rel`) depth first, adding envelopes to `queue` until `stop` is cancelled. */
async function walk(dir: string, rel: string, skip: (rel: string) => boolean, queue: EnvelopeQueue, stop: vscode.CancellationToken): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (stop.isCancellationRequested) return;
    const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      if (!ALWAYS_SKIPPED.includes(e.name) && !skip(`${childRel}/`)) await walk(join(dir, e.name), childRel, skip, queue, stop);
    } else if (e.isFile() && e.name.endsWith(PROTECTED_EXT) && !skip(childRel)) {
      queue.add(vscode.Uri.file(join(dir, e.name)));
    }
  }
}

export interface Discovery {
  /** The next envelope to read, or undefined when there are no more (several readers may wait at once). */
  next(): Promise<vscode.Uri | undefined>;
  /** Envelopes found so far (grows until the search answers). */
  readonly found: number;
  /** The search's answer: the file system paths of the envelopes the panel lists. */
  readonly listed: Promise<ReadonlySet<string>>;
}

/** Starts finding the envelopes of `folders` (see the file comment); stops when `token` is cancelled. */
export function discoverEnvelopes(folders: readonly vscode.Uri[], token: vscode.CancellationToken): Discovery {
  const queue = new EnvelopeQueue();
  const walking = new vscode.CancellationTokenSource();
  const stopWalk = token.onCancellationRequested(() => walking.cancel());
  for (const folder of folders) {
    const skip = quickExclude(folder);
    if (skip) void walk(folder.fsPath, '', skip, queue, walking.token);
  }
  const exclude = searchExclude();
  const listed = Promise.all(folders.map((f) => vscode.workspace.findFiles(new vscode.RelativePattern(f, `**/*${PROTECTED_EXT}`), exclude, undefined, token)))
    .then((lists) => {
      const uris = lists.flat();
      for (const uri of uris) queue.add(uri);
      return new Set(uris.map((u) => u.fsPath));
    })
    .finally(() => {
      walking.cancel();
      queue.end();
      stopWalk.dispose();
      walking.dispose();
    });
  return {
    next: () => queue.take(),
    get found() {
      return queue.found;
    },
    listed,
  };
}

/** Envelopes inside `path` (a folder just created or moved in), as the search lists them. */
export async function envelopesUnder(path: string): Promise<string[]> {
  const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(vscode.Uri.file(path), `**/*${PROTECTED_EXT}`), searchExclude());
  return uris.map((u) => u.fsPath);
}
