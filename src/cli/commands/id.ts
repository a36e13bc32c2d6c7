/** `sensitivity id new|show|export|import` and `people add`: who you are and whom you share with. */
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { SensitivityError } from '../../core/errors.js';
import { createIdentity, publicIdentity, type PublicIdentity } from '../../core/identity.js';
import { addToPeople, certifiedPerson, checkPerson, organisationOf, type CertifiedPerson } from '../../core/app/index.js';
import { exportIdentity, fingerprint, importIdentity, parsePublicIdentity } from '../../core/index.js';
import { identityPath, writeHomeIdentity } from '../../node/home.js';
import { readTextIfExists, requireAbsent, writeFileAtomic } from '../../node/node-io.js';
import { parsingFile } from '../../node/workspace.js';
import { flagValue, hasFlag, needPositionals } from '../args.js';
import { readPassphrase } from '../prompt.js';
import { out, outJson, type Command } from './command.js';

function describe(p: PublicIdentity): string {
  return `${p.name} <${p.email}>`;
}

function printIdentity(p: PublicIdentity): void {
  out(`Name:    ${p.name}`);
  out(`Email:   ${p.email}`);
  out(`Id:      ${p.id}`);
  out(`Created: ${p.created}`);
  out(`Fingerprint: ${fingerprint(p.id)}`);
}

const PIN_WORDS = {
  new: 'pinned now: a different key for them will be refused until you confirm it',
  same: 'the key you had pinned for them',
  changed: 'replaces the key you had pinned for them (you confirmed the change)',
} as const;

/** `--accept-new-key`: the flag that confirms a person's changed key (see `people verify`). */
export const ACCEPT_NEW_KEY = { 'accept-new-key': {} } as const;

/** What the organisation's directory vouched for, and under which certification key (compare its fingerprint with your administrator). */
export function printCertified(found: CertifiedPerson): void {
  const c = found.certificate;
  out(`  ${describe(found.identity)}  certified by ${c.issuer} until ${c.expiresAt.toISOString()}`);
  out(`    organisation key fingerprint ${found.organisationKey.fingerprint}  (accepted with the workspace's keys)`);
}

async function refuseToReplace(home: string, what: string): Promise<void> {
  if ((await readTextIfExists(identityPath(home))) !== undefined) {
    throw new SensitivityError(
      'E_IDENTITY_EXISTS',
      `an identity already exists; ${what} would replace it and files protected only for it would no longer open. Export it first (\`sensitivity id export FILE\`), then pass --force`,
      identityPath(home),
    );
  }
}

export const idCommands: Command[] = [
  {
    name: 'id new',
    usage: 'id new --name NAME --email EMAIL [--force]',
    summary: 'create your identity (Ed25519 signing + X25519 encryption keys)',
    flags: { name: { value: true }, email: { value: true }, force: {} },
    async run(ctx, args) {
      const name = flagValue(args, 'name');
      const email = flagValue(args, 'email');
      if (!name || !email) throw new SensitivityError('E_USAGE', 'id new needs --name and --email');
      if (!hasFlag(args, 'force')) await refuseToReplace(ctx.home, 'a new one');
      const identity = await createIdentity(name, email, ctx.clock.now());
      await writeHomeIdentity(ctx.home, identity);
      await ctx.audit({ action: 'identity.create', actor: { id: identity.id, email: identity.email } });
      out(`Created identity ${describe(identity)}`);
      out(`Id: ${identity.id}`);
      out(`Stored in ${identityPath(ctx.home)} (mode 0600). Back it up with \`sensitivity id export FILE\`.`);
    },
  },
  {
    name: 'id show',
    usage: 'id show [--json]',
    summary: 'show your identity (public part; --json prints what `people add` takes)',
    flags: { json: {} },
    async run(ctx, args) {
      const p = publicIdentity(await ctx.requireIdentity());
      if (hasFlag(args, 'json')) outJson(p);
      else printIdentity(p);
    },
  },
  {
    name: 'id publish',
    usage: 'id publish',
    summary: 'have the organisation the workspace names certify your identity in its directory (needs `sensitivity login`), so others can grant you by email',
    flags: {},
    async run(ctx) {
      const me = publicIdentity(await ctx.requireIdentity());
      const org = organisationOf(await (await ctx.workspace()).policy());
      await ctx.directory.publish(org.url, me);
      out(`Published ${describe(me)} (fingerprint ${fingerprint(me.id)}) to the directory of ${org.url}.`);
      out('Certificates are short-lived: publish again when yours is about to expire.');
    },
  },
  {
    name: 'id export',
    usage: 'id export FILE [--force]',
    summary: 'write your identity, private keys included, to a passphrase-protected file',
    flags: { force: {} },
    async run(ctx, args) {
      const [file] = needPositionals(args, 1, 'the FILE to export to');
      const path = resolve(file!);
      const identity = await ctx.requireIdentity();
      if (!hasFlag(args, 'force')) await requireAbsent(path, 'pass --force to overwrite it');
      const text = await exportIdentity(identity, await readPassphrase(true));
      // A private-key export is a security event: recorded first, so an unrecordable export does not happen.
      await ctx.audit({ action: 'identity.export', actor: { id: identity.id, email: identity.email }, to: path });
      await writeFileAtomic(path, text + '\n', 0o600);
      out(`Exported ${describe(identity)} to ${file} (encrypted with your passphrase; keep both safe).`);
    },
  },
  {
    name: 'id import',
    usage: 'id import FILE [--force]',
    summary: 'restore an identity from a file written by `id export` (CLI or extension)',
    flags: { force: {} },
    async run(ctx, args) {
      const [file] = needPositionals(args, 1, 'the FILE to import');
      const text = await fs.readFile(resolve(file!), 'utf8');
      const passphrase = await readPassphrase(false);
      const identity = await parsingFile(file!, () => importIdentity(text.trim(), passphrase));
      const current = await ctx.identity();
      if (current && current.id !== identity.id && !hasFlag(args, 'force')) await refuseToReplace(ctx.home, 'importing');
      await writeHomeIdentity(ctx.home, identity);
      await ctx.audit({ action: 'identity.import', actor: { id: identity.id, email: identity.email } });
      out(`Imported identity ${describe(identity)} (id ${identity.id}).`);
    },
  },
  {
    name: 'people add',
    usage: 'people add FILE|- | --from-directory EMAIL [--replace] [--accept-new-key]',
    summary: "add a person's public identity (from `id show --json`, or certified by the organisation's directory) to .sensitivity/people.json, and pin it",
    help:
      "--from-directory EMAIL: fetch their certificate from the organisation the workspace policy names (`organisation.url`) and accept it only when it verifies against the organisation's certification key you accepted (`sensitivity policy accept`). " +
      '--replace: another key is listed for that email in this workspace. --accept-new-key: you pinned another key for them and compared the new fingerprint.\n',
    flags: { replace: {}, 'from-directory': { value: true }, ...ACCEPT_NEW_KEY },
    async run(ctx, args) {
      const email = flagValue(args, 'from-directory');
      const s = await ctx.session();
      const acceptNewKey = hasFlag(args, 'accept-new-key');
      let person: PublicIdentity;
      if (email !== undefined) {
        if (args.positionals.length > 0) throw new SensitivityError('E_USAGE', 'give either FILE or --from-directory EMAIL');
        const found = await certifiedPerson(s, await s.store.policy(), email);
        printCertified(found);
        person = found.identity;
      } else {
        const [file] = needPositionals(args, 1, 'FILE (or - for standard input)');
        const text = file === '-' ? await readStdin() : await fs.readFile(resolve(file!), 'utf8');
        const name = file === '-' ? '<stdin>' : file!;
        person = await parsingFile(name, () => parsePublicIdentity(parseJson(text, 'pass what `sensitivity id show --json` prints')));
      }
      let pinned: keyof typeof PIN_WORDS = 'same';
      await addToPeople(s, person, { replace: hasFlag(args, 'replace'), acceptNewKey, onPin: (_p, o) => (pinned = o) });
      out(`Added ${describe(person)} (id ${person.id}) to ${s.workspace.absPath('.sensitivity/people.json')}`);
      out(`Fingerprint: ${fingerprint(person.id)} — ${PIN_WORDS[pinned]}`);
    },
  },
  {
    name: 'people verify',
    usage: 'people verify EMAIL',
    summary: "show a person's fingerprint to compare with what their `sensitivity id show` prints (exit 4 when it is not the key you pinned)",
    flags: {},
    async run(ctx, args) {
      const [who] = needPositionals(args, 1, 'EMAIL');
      const check = await checkPerson(await ctx.session(), who!);
      out(`${describe(check.person)}`);
      out(`Fingerprint: ${check.fingerprint}`);
      out(check.pinned ? 'Pinned: yes, this is the key you pinned for them' : 'Pinned: not yet (pinned when you first share with them or add them)');
      out('Compare the fingerprint with them in person or on a call: it must match what `sensitivity id show` prints for them.');
    },
  },
];

/** JSON.parse with E_IDENTITY_INVALID (and a hint) instead of a SyntaxError. */
function parseJson(text: string, hint: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SensitivityError('E_IDENTITY_INVALID', `is not JSON; ${hint}`);
  }
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
