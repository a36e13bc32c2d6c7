/**
 * `sensitivity key-service …`: runs the organisation key service and manages its keys in the token
 * (docs/KEY-SERVICE.md). The service's code (and its native PKCS#11 module) loads only when one of these
 * commands runs.
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { SensitivityError } from '../../core/errors.js';
import { verifyAuditLog } from '../../core/index.js';
import { flagValue, hasFlag, needPositionals, type ParsedArgs } from '../args.js';
import type { KeyType, KeyVersion } from '../../keyservice/index.js';
import { note, out, outJson, type Command } from './command.js';

const service = () => import('../../keyservice/index.js');

function configFlag(args: ParsedArgs): string {
  const file = flagValue(args, 'config');
  if (!file) throw new SensitivityError('E_USAGE', 'pass --config FILE (the key service config, docs/KEY-SERVICE.md)');
  return file;
}

/** Runs `f` with the token the config names, closing it after. */
async function withToken<T>(args: ParsedArgs, f: (token: Awaited<ReturnType<Awaited<ReturnType<typeof service>>['openToken']>>) => Promise<T>): Promise<T> {
  const ks = await service();
  const token = await ks.openToken(await ks.loadConfig(configFlag(args)));
  try {
    return await f(token);
  } finally {
    token.close();
  }
}

const describe = (v: KeyVersion) => `${v.name}  v${v.version}  ${v.type}  ${v.keyId}${v.retired ? '  retired' : ''}`;

/** Generates the next version of `name`, of the type `typeFor` picks given the newest version (or refuses). */
async function newVersion(args: ParsedArgs, name: string, typeFor: (newest: KeyVersion | undefined) => KeyType): Promise<void> {
  await withToken(args, async (token) => {
    const v = await token.create(name, typeFor((await token.list(name)).at(-1)));
    if (hasFlag(args, 'json')) outJson(v);
    else out(`created ${describe(v)}`);
  });
}

async function confirmed(question: string, answer: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new SensitivityError('E_USAGE', 'no terminal to confirm on; pass --yes');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === answer;
  } finally {
    rl.close();
  }
}

const CONFIG = { config: { value: true } } as const;

/** `--listen HOST:PORT` (an IPv6 host in brackets), or undefined. */
function listenFlag(args: ParsedArgs): { host: string; port: number } | undefined {
  const v = flagValue(args, 'listen');
  if (v === undefined) return undefined;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new SensitivityError('E_USAGE', '--listen is HOST:PORT, e.g. 127.0.0.1:8441');
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

const KINDS = { person: 'people', content: 'contentIds', label: 'labels' } as const;

export const keyServiceCommands: Command[] = [
  {
    name: 'key-service serve',
    usage: 'key-service serve --config FILE [--listen HOST:PORT]',
    summary: 'run the organisation key service (Double Key Encryption protocol, certified directory)',
    help:
      'Config edits to keys, revocations and lifetimes take effect within a second, without a restart.\n' +
      "--listen overrides the config's listen address, so one config file serves every replica.\n",
    flags: { ...CONFIG, listen: { value: true } },
    async run(_ctx, args) {
      const running = await (await service()).startService(configFlag(args), listenFlag(args));
      note(`key-service: listening on ${running.url}`);
      await new Promise<void>((resolve) => {
        const stop = () => void running.close().then(resolve);
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    },
  },
  {
    name: 'key-service key create',
    usage: 'key-service key create NAME --config FILE [--type rsa-3072|rsa-4096|ec-p256]',
    summary: 'generate a key inside the token (rsa-3072 by default; ec-p256 for the directory’s certification key)',
    flags: { ...CONFIG, type: { value: true }, json: {} },
    async run(_ctx, args) {
      const [name] = needPositionals(args, 1, 'NAME');
      const { KEY_TYPES } = await service();
      const type = (flagValue(args, 'type') ?? 'rsa-3072') as KeyType;
      if (!KEY_TYPES.includes(type)) throw new SensitivityError('E_USAGE', `--type is one of ${KEY_TYPES.join(', ')}`);
      await newVersion(args, name!, (existing) => {
        if (existing) throw new SensitivityError('E_EXISTS', `key "${name}" exists; use \`key-service key rotate ${name}\` for a new version`);
        return type;
      });
    },
  },
  {
    name: 'key-service key rotate',
    usage: 'key-service key rotate NAME --config FILE',
    summary: 'generate a new version of a key: protect uses it from now on; older versions still decrypt until retired',
    flags: { ...CONFIG, json: {} },
    async run(_ctx, args) {
      const [name] = needPositionals(args, 1, 'NAME');
      await newVersion(args, name!, (newest) => {
        if (!newest) throw new SensitivityError('E_NOT_FOUND', `no key named "${name}"; create it with \`key-service key create ${name}\``);
        return newest.type;
      });
    },
  },
  {
    name: 'key-service key list',
    usage: 'key-service key list [NAME] --config FILE [--json]',
    summary: 'list key versions in the token (name, version, type, key id, retired)',
    flags: { ...CONFIG, json: {} },
    async run(_ctx, args) {
      await withToken(args, async (token) => {
        const versions = await token.list(args.positionals[0]);
        if (hasFlag(args, 'json')) outJson(versions);
        else for (const v of versions) out(describe(v));
      });
    },
  },
  {
    name: 'key-service key retire',
    usage: 'key-service key retire NAME VERSION --config FILE [--yes]',
    summary: 'destroy a key version’s private key in the token: every file sealed under it becomes unreadable for everyone',
    flags: { ...CONFIG, yes: {} },
    async run(_ctx, args) {
      const [name, versionText] = needPositionals(args, 2, 'NAME VERSION');
      const version = Number(versionText!.replace(/^v/, ''));
      await withToken(args, async (token) => {
        const v = (await token.list(name)).find((x) => x.version === version);
        if (!v) throw new SensitivityError('E_NOT_FOUND', `key "${name}" has no version ${versionText}`);
        if (v.retired) {
          out(`${describe(v)}: already retired`);
          return;
        }
        const question = `Retiring ${name} v${version} destroys its private key: every file sealed under it becomes unreadable, for everyone, for good.\nType the key name to confirm: `;
        if (!hasFlag(args, 'yes') && !(await confirmed(question, name!))) throw new SensitivityError('E_CANCELLED', 'not retired');
        await token.retire(v);
        out(`retired ${name} v${version} (${v.keyId})`);
      });
    },
  },
  {
    name: 'key-service revoke',
    usage: 'key-service revoke (--person EMAIL | --content ID | --label ID) --config FILE [--key NAME] [--undo]',
    summary: 'revoke a person, a content id or a label in the shared state: every replica refuses within seconds',
    help:
      "Written once to the shared state (the state folder, or PostgreSQL), beside the config's own revoked lists;\n" +
      'every replica reads it again within a second. --key limits it to one key; --undo lifts it.\n',
    flags: { ...CONFIG, person: { value: true }, content: { value: true }, label: { value: true }, key: { value: true }, undo: {} },
    async run(_ctx, args) {
      const given = (Object.keys(KINDS) as (keyof typeof KINDS)[]).filter((k) => flagValue(args, k) !== undefined);
      if (given.length !== 1) throw new SensitivityError('E_USAGE', 'pass one of --person EMAIL, --content ID, --label ID');
      const kind = KINDS[given[0]!];
      const raw = flagValue(args, given[0]!)!.trim();
      const value = kind === 'people' ? raw.toLowerCase() : raw;
      const ks = await service();
      const state = await ks.openState(await ks.loadConfig(configFlag(args)));
      try {
        const undo = hasFlag(args, 'undo');
        const changed = await state.revoke({ scope: ks.revocationScope(flagValue(args, 'key')), kind, value }, undo);
        out(
          `${changed ? (undo ? 'lifted' : 'revoked') : undo ? 'was not revoked' : 'already revoked'}: ${given[0]} ${value}${flagValue(args, 'key') ? ` for key ${flagValue(args, 'key')}` : ''} (${state.where})`,
        );
      } finally {
        await state.close();
      }
    },
  },
  {
    name: 'key-service witness',
    usage: 'key-service witness --line CONTENT_ID --config FILE [--remove [--yes]] [--json]',
    summary: "show the witness's head for a file's line, or remove it (an administrator's recovery)",
    help:
      'The head is the newest access-policy version the witness registered for that content id. --remove deletes it, so\n' +
      "the owner's next access change registers afresh (trusted as a first registration): after a write that failed\n" +
      'once it had registered, or a line someone else claimed first (docs/KEY-SERVICE.md, "The witness"). Every replica\n' +
      'drops it within about a second; the removal is recorded in the key access log.\n',
    flags: { ...CONFIG, line: { value: true }, remove: {}, yes: {}, json: {} },
    async run(_ctx, args) {
      const line = flagValue(args, 'line')?.trim();
      if (!line) throw new SensitivityError('E_USAGE', "pass --line CONTENT_ID (the file's content id: `sensitivity inspect` shows it)");
      const ks = await service();
      const state = await ks.openState(await ks.loadConfig(configFlag(args)));
      try {
        const head = await state.head(line);
        const shown = head ? { line, ver: head.ver, pd: head.pd } : { line, ver: null };
        if (!hasFlag(args, 'remove')) {
          if (hasFlag(args, 'json')) outJson(shown);
          else out(head ? `${line}: version ${head.ver} (${head.pd})` : `${line}: no version registered`);
          return;
        }
        if (!head) throw new SensitivityError('E_NOT_FOUND', `the witness has registered no version of ${line}`, state.where);
        const question = `Remove the witness's head (version ${head.ver}) for ${line}? Its owners' next access change is then trusted as a first registration. Type the version number to confirm: `;
        if (!hasFlag(args, 'yes') && !(await confirmed(question, String(head.ver)))) throw new SensitivityError('E_CANCELLED', 'not removed');
        // Logged first: a removal the access log could not record does not happen.
        await new ks.AccessLog(state, false).record({
          action: 'witness.remove',
          caller: undefined,
          decision: 'allow',
          client: 'key-service witness --remove',
          operator: userInfo().username,
          line,
          ver: head.ver,
          pd: head.pd,
        });
        const removed = await state.removeHead(line);
        if (hasFlag(args, 'json')) outJson({ line, removed: removed ?? null });
        else out(removed ? `removed ${line}: version ${removed.ver} (${state.where})` : `${line}: no version registered (${state.where})`);
      } finally {
        await state.close();
      }
    },
  },
  {
    name: 'key-service log',
    usage: 'key-service log --verify (FILE… | --config FILE) [--anchor HASH]',
    summary: 'verify the key access log’s hash chain (exit 4 when broken); rotated files in order, or the shared state’s log',
    flags: { verify: {}, anchor: { value: true }, ...CONFIG },
    async run(_ctx, args) {
      if (!hasFlag(args, 'verify')) throw new SensitivityError('E_USAGE', 'pass --verify');
      const files = args.positionals;
      if ((files.length === 0) === (flagValue(args, 'config') === undefined)) throw new SensitivityError('E_USAGE', 'pass the log FILE(s) or --config FILE');
      let file = files.join(' + ');
      let text = '';
      if (files.length === 0) {
        const ks = await service();
        const state = await ks.openState(await ks.loadConfig(configFlag(args)));
        file = state.where;
        try {
          text = await state.logText();
        } finally {
          await state.close();
        }
      }
      // Rotated files, oldest first: the chain runs on from one file into the next.
      for (const f of files)
        text += await readFile(f, 'utf8').catch(() => {
          throw new SensitivityError('E_NOT_FOUND', 'no such log file', f);
        });
      const anchor = flagValue(args, 'anchor');
      const result = await verifyAuditLog(text, anchor ? { anchor } : {});
      if (!result.ok) throw new SensitivityError('E_AUDIT_BROKEN', `the access log is broken at line ${result.line}: ${result.reason}`, file);
      out(`${file}: ${result.entries.length} entries, chain intact${result.head ? `; head ${result.head}` : ''}`);
    },
  },
];
