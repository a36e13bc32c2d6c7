/** `sensitivity audit` and `sensitivity policy show|validate`. */
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { SensitivityError } from '../../core/errors.js';
import { acceptWorkspaceKeys, reviewWorkspaceKeys } from '../../core/app/index.js';
import { flattenLabels, parsePolicy, renderMarkings, requiresProtection, showsBanner, verifyAuditLog, type PolicyLabel } from '../../core/index.js';
import { auditPath } from '../../node/home.js';
import { readTextIfExists } from '../../node/node-io.js';
import { parsingFile } from '../../node/workspace.js';
import { flagValue, hasFlag } from '../args.js';
import { out, outJson, type Command } from './command.js';

/** A label's content markings in a line: header "…", footer "…", a banner in the editor (or "none"). */
function markingsLine(l: PolicyLabel): string {
  const { header, footer } = renderMarkings(l);
  const parts = [header && `header "${header}"`, footer && `footer "${footer}"`, showsBanner(l) && 'a banner in the editor'].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

export const adminCommands: Command[] = [
  {
    name: 'audit',
    usage: 'audit [--verify [--anchor HASH]] [--json]',
    summary: 'show the hash-chained audit log; --verify checks the chain (exit 4 when broken)',
    help: '--anchor HASH: a head printed by an earlier --verify; also detects entries cut from the end since then.\n',
    flags: { verify: {}, json: {}, anchor: { value: true } },
    async run(ctx, args) {
      const path = auditPath(ctx.home);
      const text = (await readTextIfExists(path)) ?? '';
      const anchor = flagValue(args, 'anchor');
      const result = await verifyAuditLog(text, anchor ? { anchor } : {});
      // A broken chain fails every form: entries after the break cannot be trusted.
      if (!result.ok) throw new SensitivityError('E_AUDIT_BROKEN', `the audit log is broken at line ${result.line}: ${result.reason}`, path);
      if (hasFlag(args, 'verify')) {
        out(`${path}: ${result.entries.length} entries, chain intact${result.head ? `; head ${result.head}` : ''}`);
        return;
      }
      if (hasFlag(args, 'json')) {
        outJson(result.entries);
        return;
      }
      for (const e of result.entries) {
        const details = Object.entries(e)
          .filter(([k]) => !['seq', 'ts', 'prev', 'actor', 'action', 'file'].includes(k))
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        out(`${e.ts}  ${e.actor?.email ?? '-'}  ${e.action}${e.file ? `  ${e.file}` : ''}${details ? `  ${details}` : ''}`);
      }
    },
  },
  {
    name: 'policy show',
    usage: 'policy show [--json]',
    summary: 'show the label policy in force (the workspace policy.json, or the embedded default)',
    flags: { json: {} },
    async run(ctx, args) {
      const policy = await (await ctx.workspace()).policy();
      if (hasFlag(args, 'json')) {
        outJson(policy);
        return;
      }
      out('Labels (least to most sensitive):');
      for (const l of flattenLabels(policy)) {
        const mark = l.id === policy.defaultLabel ? ' (default)' : '';
        const indent = l.parent ? '    ' : '  ';
        const note = l.applicable ? '' : ' — choose a sublabel';
        // One out() per line: each line is made terminal-safe, which shows a newline inside a line as `\n`.
        out(`${indent}${l.name}${mark}  [${l.id}]${note}${requiresProtection(l) ? '  (protects: applying it encrypts the file)' : ''}`);
        if (l.description) out(`${indent}  ${l.description}`);
        if (l.applicable && l.markings) out(`${indent}  Markings: ${markingsLine(l)}`);
      }
      if (policy.mandatory?.length) out(`Mandatory labels for: ${policy.mandatory.join(', ')}`);
      out(`Downgrades need a justification: ${policy.requireDowngradeJustification ? 'yes' : 'no'}`);
      const review = await reviewWorkspaceKeys(await ctx.session(), policy);
      if (review.keys.length > 0) {
        out(`Workspace keys (${review.accepted ? 'accepted by you' : 'NOT accepted by you: what needs them is refused until `sensitivity policy accept`'}):`);
        for (const line of review.keys) out(`  ${line}`);
        if (review.organisation?.pinned) out(`  (the organisation's key you accepted before: ${review.organisation.pinned})`);
      }
    },
  },
  {
    name: 'policy accept',
    usage: 'policy accept',
    summary: "accept the workspace policy's keys (recovery recipients, organisation, Double Key services) for you, after checking the fingerprints it prints",
    help:
      "A workspace policy's recovery recipients (Co-Owners of every file protected here), its organisation (whose certification key vouches for the people you grant to by email) and the Double Key services its labels name (which every file protected under them depends on) " +
      'take effect only once you accept that exact set; a later change to it, or a new certification key at the organisation, must be accepted again. ' +
      "`sensitivity policy show` prints them first (the organisation's key as its directory offers it now).\n",
    flags: {},
    async run(ctx) {
      const s = await ctx.session();
      const policy = await s.workspace.policy();
      const review = await reviewWorkspaceKeys(s, policy);
      if (review.keys.length === 0) {
        out('The workspace policy names no recovery recipients, organisation or Double Key service: nothing to accept.');
        return;
      }
      const { keys, digest, organisation } = await acceptWorkspaceKeys(s, policy, { digest: review.digest });
      out('Accepted, in workspaces with exactly these keys:');
      for (const line of keys) out(`  ${line}`);
      if (organisation?.pinned) out(`  (replaces the organisation's key you accepted before: ${organisation.pinned})`);
      out(`(key set ${digest}, recorded in your audit log)`);
    },
  },
  {
    name: 'policy validate',
    usage: 'policy validate [FILE]',
    summary: 'check a policy file against the schema (default: the workspace .sensitivity/policy.json)',
    flags: {},
    async run(ctx, args) {
      const path = args.positionals[0] ? resolve(args.positionals[0]) : resolve((await ctx.workspace()).root, '.sensitivity', 'policy.json');
      const text = await fs.readFile(path, 'utf8').catch(() => {
        throw new SensitivityError('E_NOT_FOUND', 'no such policy file', path);
      });
      const policy = parsingFile(path, () => parsePolicy(text, path));
      out(`${path}: valid (${flattenLabels(policy).length} labels)`);
    },
  },
];
