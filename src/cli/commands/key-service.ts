/**
 * `sensitivity key-service …`: runs the organisation key service and manages its keys in the token
 * (docs/KEY-SERVICE.md). The service's code (and its native PKCS#11 module) loads only when one of these
 * commands runs.
 */
import { readFile } from 'node:fs/promises';
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

export const keyServiceCommands: Command[] = [
  {
    name: 'key-service serve',
    usage: 'key-service serve --config FILE',
    summary: 'run the organisation key service (Double Key Encryption protocol, certified directory)',
    help: 'Config edits to keys, revocations and lifetimes take effect within a second, without a restart.\n',
    flags: CONFIG,
    async run(_ctx, args) {
      const running = await (await service()).startService(configFlag(args));
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
    name: 'key-service log',
    usage: 'key-service log --verify FILE [--anchor HASH]',
    summary: 'verify the key access log’s hash chain (exit 4 when broken)',
    flags: { verify: {}, anchor: { value: true } },
    async run(_ctx, args) {
      const [file] = needPositionals(args, 1, 'FILE');
      if (!hasFlag(args, 'verify')) throw new SensitivityError('E_USAGE', 'pass --verify');
      const text = await readFile(file!, 'utf8').catch(() => {
        throw new SensitivityError('E_NOT_FOUND', 'no such log file', file);
      });
      const anchor = flagValue(args, 'anchor');
      const result = await verifyAuditLog(text, anchor ? { anchor } : {});
      if (!result.ok) throw new SensitivityError('E_AUDIT_BROKEN', `the access log is broken at line ${result.line}: ${result.reason}`, file);
      out(`${file}: ${result.entries.length} entries, chain intact${result.head ? `; head ${result.head}` : ''}`);
    },
  },
];
