/**
 * `sensitivity git install|textconv|merge`: protected files in git. `install` writes `.gitattributes` and the
 * repository's local config; git then calls `textconv` to show plaintext diffs (or a one-line placeholder
 * to people without access) and `merge` as the merge driver of `*.protected` files.
 */
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import * as app from '../../core/app/index.js';
import { ownerWords } from '../../core/display.js';
import { isSensitivityError, SensitivityError } from '../../core/errors.js';
import { nodeFiles } from '../../node/files.js';
import { gitMergeFile, runGit } from '../../node/git.js';
import { readTextIfExists, writeFileAtomic } from '../../node/node-io.js';
import { posixRelative } from '../../node/paths.js';
import type { Session } from '../../node/session.js';
import { flagValue, hasFlag, needPositionals } from '../args.js';
import type { CliContext } from '../context.js';
import { foreignErrorLine } from '../errors.js';
import { note, out, stdoutSink, type Command } from './command.js';

/** The line `install` adds to `.gitattributes`. */
export const GIT_ATTRIBUTES_LINE = '*.protected diff=sensitivity merge=sensitivity';

/** Single-quoted for the shell git runs drivers with. */
const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** How git should call this CLI: `--command`, else this very node and script. */
const commandOf = (explicit: string | undefined): string =>
  explicit ?? `${shellQuote(process.execPath)} ${shellQuote(resolve(process.argv[1] ?? 'sensitivity'))}`;

async function gitTopLevel(cwd: string): Promise<string> {
  const r = await runGit(['rev-parse', '--show-toplevel'], cwd);
  if (r.code !== 0) throw new SensitivityError('E_USAGE', 'is not inside a git repository', cwd);
  return r.stdout.toString('utf8').trim();
}

/** Adds or removes our line in `.gitattributes`; true when the file changed. */
async function editAttributes(top: string, install: boolean): Promise<boolean> {
  const path = join(top, '.gitattributes');
  const text = (await readTextIfExists(path)) ?? '';
  const lines = text.split('\n');
  const present = lines.some((l) => l.trim() === GIT_ATTRIBUTES_LINE);
  if (present === install) return false;
  const next = install
    ? `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${GIT_ATTRIBUTES_LINE}\n`
    : lines.filter((l) => l.trim() !== GIT_ATTRIBUTES_LINE).join('\n');
  await writeFileAtomic(path, next, 0o644);
  return true;
}

async function setConfig(top: string, entries: Readonly<Record<string, string>>): Promise<void> {
  for (const [key, value] of Object.entries(entries)) {
    const r = await runGit(['config', '--local', key, value], top);
    if (r.code !== 0) throw new SensitivityError('E_IO', `git config ${key} failed: ${r.stderr.trim()}`, top);
  }
}

async function removeConfig(top: string, sections: readonly string[]): Promise<void> {
  // Status 128 means the section was not there: uninstalling twice is fine.
  for (const section of sections) await runGit(['config', '--local', '--remove-section', section], top);
}

/** The first 12 hex digits of the SHA-256 of the envelope's bytes (ciphertext: nothing to hide). */
async function envelopeDigest(s: Session, rel: string): Promise<string> {
  const h = await s.files.open(rel);
  try {
    const hash = createHash('sha256');
    const buf = new Uint8Array(1 << 20);
    for (let at = 0, n = await h.read(buf, 0); n > 0; at += n, n = await h.read(buf, at)) hash.update(buf.subarray(0, n));
    return hash.digest('hex').slice(0, 12);
  } finally {
    await h.close();
  }
}

/** The one line a teammate without access sees in place of a diff (untrusted names escaped by `out`). */
async function placeholder(s: Session, rel: string, e: unknown): Promise<string> {
  const why = isSensitivityError(e) ? e.code : 'error';
  const access = ['E_NO_IDENTITY', 'E_NOT_GRANTEE', 'E_RIGHT_MISSING'].includes(why)
    ? 'you have no access'
    : why === 'E_EXPIRED'
      ? 'access has expired'
      : 'cannot be read here';
  const info = await app.inspect(s, rel).catch(() => undefined);
  // The envelope's digest tells versions apart, so a change still shows as a changed line.
  const version = await envelopeDigest(s, rel).catch(() => 'unreadable');
  if (!info) return `[protected file — ${access} — ${why} — envelope ${version}]`;
  return `[protected file ${info.innerName} — label ${info.label.name} — ${ownerWords(info.signedBy).line} — ${access} — ${why} — ${info.size} bytes, envelope ${version}]`;
}

/** A session whose files are the folder of git's file (git writes blobs to temporary files outside the workspace). */
function sessionFor(s: Session, cwd: string, file: string): { session: Session; rel: string } {
  const abs = resolve(cwd, file);
  const inside = posixRelative(s.workspace.root, abs);
  if (inside !== undefined) return { session: s, rel: inside };
  return { session: { ...s, files: nodeFiles(resolve(abs, '..')) }, rel: basename(abs) };
}

/**
 * git shows every past version of a file: an old policy version in history is not a rollback of the working
 * file, so history is read without the access-history memory or git's witness (and leaves nothing in memory).
 */
function historyReader(s: Session): Session {
  const { versions: _memory, history: _git, ...rest } = s;
  return rest;
}

async function textconv(ctx: CliContext, file: string): Promise<void> {
  let s: Session | undefined;
  let rel = file;
  try {
    const found = sessionFor(await ctx.session(), ctx.cwd, file);
    s = historyReader(found.session);
    rel = found.rel;
    await app.openTo(s, rel, stdoutSink);
  } catch (e) {
    // Never fail the git command: a denial or a damaged file becomes one line in the diff.
    out(s ? await placeholder(s, rel, e) : `[protected file — cannot be read here — ${isSensitivityError(e) ? e.code : 'error'}]`);
  }
}

export const gitCommands: Command[] = [
  {
    name: 'git install',
    usage: 'git install [--uninstall] [--command CMD]',
    summary: 'make git diff, log -p, show and merge work on protected files in this repository (idempotent)',
    help:
      `Writes "${GIT_ATTRIBUTES_LINE}" to .gitattributes (commit it) and, in this clone's local config, a textconv\n` +
      'diff driver (plaintext for people with VIEW, a one-line placeholder for others; never cached under .git)\n' +
      'and a merge driver (needs EDIT; re-encrypts under "ours"). --command sets how git calls this CLI\n' +
      '(default: this node and script). --uninstall removes both.\n',
    flags: { uninstall: {}, command: { value: true } },
    async run(ctx, args) {
      const top = await gitTopLevel(ctx.cwd);
      const install = !hasFlag(args, 'uninstall');
      const changed = await editAttributes(top, install);
      if (install) {
        const cmd = commandOf(flagValue(args, 'command'));
        await setConfig(top, {
          'diff.sensitivity.textconv': `${cmd} git textconv`,
          'diff.sensitivity.cachetextconv': 'false',
          'merge.sensitivity.name': 'Sensitivity Labels protected files',
          'merge.sensitivity.driver': `${cmd} git merge %O %A %B %P %L`,
        });
        out(`.gitattributes: ${changed ? 'added' : 'already has'} "${GIT_ATTRIBUTES_LINE}"${changed ? ' (commit it so teammates get it)' : ''}`);
        out(`git config (this clone): diff and merge drivers for protected files run ${cmd}`);
      } else {
        await removeConfig(top, ['diff.sensitivity', 'merge.sensitivity']);
        out(`.gitattributes: ${changed ? 'removed' : 'has no'} "${GIT_ATTRIBUTES_LINE}"`);
        out('git config (this clone): diff and merge drivers for protected files removed');
      }
    },
  },
  {
    name: 'git textconv',
    usage: 'git textconv FILE',
    summary: "git's diff driver: prints a protected file's plaintext (needs VIEW), else one line saying whose it is; always exits 0",
    flags: {},
    async run(ctx, args) {
      const [file] = needPositionals(args, 1, 'FILE');
      await textconv(ctx, file!);
    },
  },
  {
    name: 'git merge',
    usage: 'git merge BASE OURS THEIRS PATH [MARKER_SIZE]',
    summary: "git's merge driver: three-way merge of a protected file into OURS, re-encrypted under its policy (needs EDIT on all three)",
    flags: {},
    async run(ctx, args) {
      const [base, ours, theirs, path, size] = needPositionals(args, 4, 'BASE OURS THEIRS PATH');
      const s = await ctx.session();
      // git's temporary files are in the repository's top folder, git's working directory for drivers.
      const rel = (f: string) => posixRelative(ctx.cwd, resolve(ctx.cwd, f)) ?? f;
      const markerSize = size === undefined ? undefined : Number.parseInt(size, 10) || undefined;
      try {
        const r = await app.merge(
          { ...s, files: nodeFiles(ctx.cwd) },
          {
            paths: { base: rel(base!), ours: rel(ours!), theirs: rel(theirs!) },
            file: path!,
            merge: gitMergeFile(ctx.cwd, { base: 'base', ours: 'ours', theirs: 'theirs' }, markerSize),
          },
        );
        if (r.conflicts === 0) {
          note(`sensitivity: ${path}: merged; still protected (${r.label.name})`);
          return 0;
        }
        note(
          `sensitivity: ${path}: ${r.conflicts} conflict(s); still protected (${r.label.name}) with the conflict markers inside: resolve them in VS Code or after \`sensitivity cat\``,
        );
        return 1;
      } catch (e) {
        note(`${foreignErrorLine(e)}`);
        note(`sensitivity: ${path}: not merged; git keeps your version and marks the file as conflicted`);
        return 1;
      }
    },
  },
];
