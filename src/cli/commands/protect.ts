/** `sensitivity protect|unprotect|cat|inspect|grant|revoke`: protected envelopes and who may open them. */
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import * as app from '../../core/app/index.js';
import { ownerWords, signerWords } from '../../core/display.js';
import { SensitivityError } from '../../core/errors.js';
import { parseExpiry } from '../../core/expiry.js';
import type { Session } from '../../node/session.js';
import { fingerprint } from '../../core/fingerprint.js';
import type { PublicIdentity } from '../../core/identity.js';
import { flagValue, flagValues, hasFlag, needPositionals, type ParsedArgs } from '../args.js';
import { note, out, outJson, stdoutSink, type Command } from './command.js';
import { ACCEPT_NEW_KEY, printCertified } from './id.js';
import { SEEN_BY } from '../../shared/words.js';

/** Pin options from the command line; each person's fingerprint is printed as it is used (compare them). */
export function pinOptions(args: ParsedArgs): app.PinOptions {
  const words = { new: 'first use, pinned now', same: 'pinned', changed: 'NEW KEY, accepted and pinned' };
  return {
    acceptNewKey: hasFlag(args, 'accept-new-key'),
    onPin: (p: PublicIdentity, outcome) => out(`  ${p.name} <${p.email}>  fingerprint ${fingerprint(p.id)}  (${words[outcome]})`),
    onCertified: printCertified,
  };
}

/** The workspace-relative path of a file named on the command line. */
export const relOf = (s: Session, file: string): string => s.workspace.relPath(resolve(file));

/** `EMAIL=ROLE` → a grant spec. */
export function parseGrant(text: string): app.GrantSpec {
  const eq = text.lastIndexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new SensitivityError('E_USAGE', `"${text}" is not EMAIL=ROLE (e.g. bob@example.com=Viewer)`);
  return { who: text.slice(0, eq).trim(), role: text.slice(eq + 1).trim() };
}

function printInfo(i: app.ProtectedInfo): void {
  out(`File:       ${i.file}`);
  out(`Inner file: ${i.innerName} (${i.contentType}, ${i.size} bytes)`);
  out(`Label:      ${i.label.name}`);
  const owner = ownerWords(i.signedBy);
  if (i.version === 1) out(`Policy:     format 1, signed by ${signerWords(i.signedBy)}; with no history or writer signature, any grantee may have written it`);
  else out(`${`${owner.title}:`.padEnd(12)}${owner.who}`);
  out(`Issued:     ${i.issued}`);
  out(`Expires:    ${i.expires ?? 'never'}${i.expired ? ' (EXPIRED)' : ''}`);
  if (i.doubleKey) out(`Protection: Double Key — opening also needs the key service ${i.doubleKey.url} (key ${i.doubleKey.kid})`);
  out('Access:');
  for (const g of i.grants) {
    out(`  ${g.name ? `${g.name} <${g.email}>` : g.email}  ${g.role}${g.recovery ? ' (recovery)' : ''}  ${g.rights.join(' ')}`);
    out(`    fingerprint ${g.fingerprint}`);
  }
  out(`You:        ${i.denied ? `no access — ${i.denied.reason}` : i.yourRights.join(' ')}`);
  out(`Format:     envelope v${i.version}, content id ${i.contentId}`);
  if (i.lastWrittenBy) out(`Written:    last by ${signerWords(i.lastWrittenBy.signer)} at ${i.lastWrittenBy.at}`);
  if (i.lineage.length > 0) out('Lineage:');
  for (const v of i.lineage) out(`  version ${v.version}  ${v.issued}  signed by ${signerWords(v.signer)}`);
  if (i.rollback)
    out(
      `Older:      this is policy version ${i.lineage.at(-1)?.version}, but ${SEEN_BY[i.rollback.by]} version ${i.rollback.seen}: readable, nothing is built on it`,
    );
  if (i.notice) out(`Notice:     ${i.notice}`);
}

export const protectCommands: Command[] = [
  {
    name: 'protect',
    usage: 'protect FILE... [--label LABEL] [--grant EMAIL=ROLE]... [--expires DATE|Nd] [--keep] [--justification TEXT] [--accept-new-key]',
    summary: 'encrypt files into FILE.protected for you (Co-Owner) and the people granted',
    help: "Roles: Viewer, Reviewer, Co-Author, Co-Owner (and the policy's custom roles). The label's protection defaults add grants and expiry.\n",
    flags: {
      label: { value: true },
      grant: { value: true, repeat: true },
      expires: { value: true },
      keep: {},
      justification: { value: true },
      ...ACCEPT_NEW_KEY,
    },
    async run(ctx, args) {
      const files = needPositionals(args, 1, 'FILE');
      const grants = flagValues(args, 'grant').map(parseGrant);
      const exp = flagValue(args, 'expires');
      const label = flagValue(args, 'label');
      const justification = flagValue(args, 'justification');
      const s = await ctx.session();
      for (const f of files) {
        const { info } = await app.protect(s, relOf(s, f), {
          grants,
          keep: hasFlag(args, 'keep'),
          ...(label ? { label } : {}),
          ...(exp ? { expires: parseExpiry(exp, ctx.clock.now()) } : {}),
          ...(justification ? { justification } : {}),
          ...pinOptions(args),
        });
        const who = info.policy.grants.map((g) => g.email).join(', ');
        out(`${f}.protected: ${info.policy.label.name}; access: ${who}`);
      }
    },
  },
  {
    name: 'unprotect',
    usage: 'unprotect FILE.protected... [--keep]',
    summary: 'decrypt back to the plain file (needs EXPORT)',
    flags: { keep: {} },
    async run(ctx, args) {
      const s = await ctx.session();
      for (const f of needPositionals(args, 1, 'FILE.protected')) {
        const { output } = await app.unprotect(s, relOf(s, f), { keep: hasFlag(args, 'keep') });
        out(`${f} → ${s.workspace.absPath(output)}`);
      }
    },
  },
  {
    name: 'cat',
    usage: 'cat FILE.protected',
    summary: 'print the plaintext to stdout (needs VIEW); a truncated or extended file prints nothing, a tampered one stops before the bad chunk',
    flags: {},
    async run(ctx, args) {
      const [f] = needPositionals(args, 1, 'FILE.protected');
      const s = await ctx.session();
      const { standing } = await app.openTo(s, relOf(s, f!), stdoutSink);
      if (standing.older) {
        const where = SEEN_BY[standing.older.by];
        note(
          `sensitivity: ${f}: an older version of its access policy than the newest ${where} (version ${standing.older.seen}): read-only, nothing is saved, granted or revoked on it`,
        );
      }
    },
  },
  {
    name: 'inspect',
    usage: 'inspect FILE.protected [--json]',
    summary: 'label, owner, grants, expiry, format version and your rights, without decrypting the content',
    flags: { json: {} },
    async run(ctx, args) {
      const [f] = needPositionals(args, 1, 'FILE.protected');
      const s = await ctx.session();
      const info = await app.inspect(s, relOf(s, f!));
      if (hasFlag(args, 'json')) outJson(info);
      else printInfo(info);
    },
  },
  {
    name: 'grant',
    usage: 'grant FILE.protected EMAIL=ROLE... [--accept-new-key]',
    summary: 'give people a role on a protected file (needs OWNER); prints their fingerprints',
    flags: { ...ACCEPT_NEW_KEY },
    async run(ctx, args) {
      const [f, ...specs] = needPositionals(args, 2, 'FILE.protected and at least one EMAIL=ROLE');
      const s = await ctx.session();
      await app.grant(s, relOf(s, f!), specs.map(parseGrant), pinOptions(args));
      out(`${f}: granted ${specs.join(', ')}`);
    },
  },
  {
    name: 'revoke',
    usage: 'revoke FILE.protected EMAIL...',
    summary: "remove people's access (needs OWNER); rotates the file key",
    flags: {},
    async run(ctx, args) {
      const [f, ...who] = needPositionals(args, 2, 'FILE.protected and at least one EMAIL');
      const s = await ctx.session();
      await app.revoke(s, relOf(s, f!), who);
      out(`${f}: revoked ${who.join(', ')}; the file key was rotated`);
    },
  },
  {
    name: 'expiry',
    usage: 'expiry FILE.protected DATE|Nd|never',
    summary: 'change when a protected file expires, or remove its expiry (needs OWNER; after it passed, only if its label lets owners renew)',
    flags: {},
    async run(ctx, args) {
      const [f, when] = needPositionals(args, 2, 'FILE.protected and DATE, Nd or never');
      const expires = when!.trim() === 'never' ? null : parseExpiry(when!, ctx.clock.now());
      const s = await ctx.session();
      await app.setExpiry(s, relOf(s, f!), expires);
      out(`${f}: ${expires ? `expires ${expires.toISOString()}` : 'never expires'}`);
    },
  },
  {
    name: 'restore',
    usage: 'restore FILE.protected [--onto NEWEST.protected]',
    summary: 'accept an older copy you restored on purpose (needs OWNER): its access is re-signed as the next version of the newest history seen',
    help:
      'The newest version to build on is found in git (any branch) unless --onto names a copy of it. The restored\n' +
      "file gets this copy's grants, label and expiry under a new file key, as a version every reader accepts.\n",
    flags: { onto: { value: true } },
    async run(ctx, args) {
      const [f] = needPositionals(args, 1, 'FILE.protected');
      const s = await ctx.session();
      const ontoPath = flagValue(args, 'onto');
      const onto = ontoPath === undefined ? undefined : new Uint8Array(await fs.readFile(resolve(ctx.cwd, ontoPath)));
      const info = await app.acceptRestore(s, relOf(s, f!), onto ? { onto } : {});
      out(`${f}: accepted as policy version ${info.policy.ver}`);
    },
  },
  {
    name: 'migrate',
    usage: 'migrate FILE.protected',
    summary: 'move a format-1 file you own to format 2 on purpose (needs OWNER; its signer must be you or pinned)',
    help: 'Format 1 has no history and no writer signature, so nothing else is ever written on it. Migrate only a file you know\nis the genuine one: a content id already seen in format 2 (here or in git) is refused (E_DOWNGRADE).\n',
    flags: {},
    async run(ctx, args) {
      const [f] = needPositionals(args, 1, 'FILE.protected');
      const s = await ctx.session();
      await app.migrate(s, relOf(s, f!));
      out(`${f}: migrated to format 2 (policy version 1)`);
    },
  },
];
