/** `sensitivity label set|get|list`: labels of plain files (manifest or inside Office documents and PDFs) and protected ones (envelope). */
import { resolve } from 'node:path';
import { ownerWords } from '../../core/display.js';
import { isSensitivityError, SensitivityError } from '../../core/errors.js';
import * as app from '../../core/app/index.js';
import { MARKING_WORDS } from '../../shared/marking-words.js';
import { flagValue, flagValues, hasFlag, needPositionals } from '../args.js';
import { note, out, outJson, type Command } from './command.js';
import { ACCEPT_NEW_KEY } from './id.js';
import { parseGrant, pinOptions, relOf } from './protect.js';

type LabeledFile = app.LabeledFile;

/** The stable JSON form of a labeled file (README documents it). */
function labelJson(f: LabeledFile) {
  return {
    path: f.path,
    label: { id: f.label.id, name: f.label.name },
    ...(f.label.unknown ? { unknownLabel: true } : {}),
    protected: f.protected !== null,
    ...(f.protected
      ? { owner: f.protected.owner.email, ownerVerified: f.protected.signedBy.verified, expires: f.protected.expires }
      : { setBy: f.setBy?.email ?? null, setAt: f.setAt ?? null }),
    ...(f.justification ? { justification: f.justification } : {}),
    ...(f.document
      ? {
          inDocument: {
            purviewId: f.document.purviewId,
            tenantId: f.document.tenantId,
            ...(f.document.method ? { method: f.document.method } : {}),
            ...(f.document.foreignTenant ? { foreignTenant: true } : {}),
          },
        }
      : {}),
  };
}

/** E_PROTECTION_REQUIRED said with the exact command that applies the label by protecting the file. */
function protectionRefused(e: SensitivityError, file: string, query: string): SensitivityError {
  const run = `sensitivity label set ${shellWord(file)} --label ${shellWord(query)} --protect`;
  return new SensitivityError(e.code, `${e.message}; nothing was changed. Run \`${run}\` (add --grant EMAIL=ROLE to name people)`, e.file);
}

/** A word for a shell command line: quoted unless plainly safe. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./@=:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function labelLine(f: LabeledFile): string {
  const lock = f.protected ? ` [protected, ${ownerWords(f.protected.signedBy).line}${f.protected.expires ? `, expires ${f.protected.expires}` : ''}]` : '';
  const inside = f.document
    ? ` [inside the document, Purview label ${f.document.purviewId}${f.document.foreignTenant ? `, another organisation's (tenant ${f.document.tenantId})` : ''}]`
    : '';
  return `${f.path}\t${f.label.name}${f.label.unknown ? ' (not in the policy)' : ''}${lock}${inside}`;
}

export const labelCommands: Command[] = [
  {
    name: 'label set',
    usage: 'label set FILE... --label LABEL [--justification TEXT] [--protect [--grant EMAIL=ROLE]... [--keep] [--accept-new-key]]',
    summary: 'label files ("Confidential/All Employees", a label id or name); lowering a label needs a justification',
    help:
      'A label whose protection is required is applied by protecting the file (FILE.protected), as `protect --label` does: pass --protect.\n' +
      "A label with content markings (the policy's `markings`) writes its header and footer into text files as comments in the file's\n" +
      'language (inside the encrypted content of a protected file); another label replaces them, a label without removes them.\n',
    flags: { label: { value: true }, justification: { value: true }, protect: {}, grant: { value: true, repeat: true }, keep: {}, ...ACCEPT_NEW_KEY },
    async run(ctx, args) {
      const files = needPositionals(args, 1, 'FILE');
      const query = flagValue(args, 'label');
      if (!query) throw new SensitivityError('E_USAGE', 'label set needs a label', undefined, { details: { hint: 'choose-label' } });
      const justification = flagValue(args, 'justification');
      const protect = hasFlag(args, 'protect')
        ? { grants: flagValues(args, 'grant').map(parseGrant), keep: hasFlag(args, 'keep'), ...pinOptions(args) }
        : undefined;
      const s = await ctx.session();
      for (const f of files) {
        const change = await app
          .setFileLabel(s, relOf(s, f), query, { ...(justification ? { justification } : {}), ...(protect ? { protect } : {}) })
          .catch((e: unknown) => {
            throw isSensitivityError(e, 'E_PROTECTION_REQUIRED') ? protectionRefused(e, f, query) : e;
          });
        const to = change.protectedAs ? `${change.to} (protected: ${s.workspace.absPath(change.protectedAs)})` : change.to;
        const markings = change.markings ? ` (${MARKING_WORDS[change.markings]})` : '';
        out(`${f}: ${change.from ? `${change.from} → ` : ''}${to}${change.direction === 'downgrade' ? ' (downgrade, justified)' : ''}${markings}`);
      }
    },
  },
  {
    name: 'label get',
    usage: 'label get FILE... [--json]',
    summary: "show files' labels",
    flags: { json: {} },
    async run(ctx, args) {
      const files = needPositionals(args, 1, 'FILE');
      const s = await ctx.session();
      const found = await Promise.all(files.map(async (f) => ({ f, l: await app.labelOf(s, relOf(s, f)) })));
      if (hasFlag(args, 'json')) {
        outJson(found.map(({ f, l }) => (l ? labelJson(l) : { path: relOf(s, f), label: null })));
        return;
      }
      for (const { f, l } of found) out(l ? labelLine(l) : `${f}\t(no label)`);
    },
  },
  {
    name: 'label mv',
    usage: 'label mv OLD NEW',
    summary: 'move the label of OLD to NEW after `git mv OLD NEW` or another move outside VS Code (a folder moves every label under it)',
    flags: {},
    async run(ctx, args) {
      const [from, to] = needPositionals(args, 2, 'OLD and NEW');
      const s = await ctx.session();
      await app.moveLabel(s, relOf(s, from!), relOf(s, to!));
      out(`${from} → ${to}: label moved`);
    },
  },
  {
    name: 'label list',
    usage: 'label list [DIR] [--json]',
    summary: 'list every labeled or protected file under DIR (default: the workspace)',
    flags: { json: {} },
    async run(ctx, args) {
      const s = await ctx.session();
      const dir = args.positionals[0] && resolve(args.positionals[0]) !== s.workspace.root ? relOf(s, args.positionals[0]) : '';
      const { files, problems } = await app.list(s, dir);
      if (hasFlag(args, 'json')) outJson(files.map(labelJson));
      else if (files.length === 0 && problems.length === 0) out('No labeled files. Label one with `sensitivity label set FILE --label LABEL`.');
      else for (const f of files) out(labelLine(f));
      // Never dropped silently: each unreadable file is named on stderr and the status says so.
      for (const p of problems) note(`sensitivity: ${p.path}: ${p.message} [${p.code}]`);
      return problems.length > 0 ? 1 : 0;
    },
  },
];
