/** `sensitivity scan` and `sensitivity check`: find sensitive content and fail when it outranks its label. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SensitivityError } from '../../core/errors.js';
import { labelDisplayName, scannerFor, toSarif, type FileScan, type Finding, type Policy } from '../../core/index.js';
import { scanPaths, type ScanReport } from '../../node/scan.js';
import { hasFlag } from '../args.js';
import { note, out, outJson, type Command } from './command.js';

declare const __VERSION__: string;

function describeFile(policy: Policy, f: FileScan): string[] {
  const lines = f.findings.map((x) => `  ${whereOf(x)}  ${x.typeName} (${x.sample ? 'sample, ignored' : x.confidence})  ${x.excerpt}  — ${x.why.join(', ')}`);
  const ev = f.evaluation;
  const current = f.labelId ? labelDisplayName(policy, f.labelId) : 'no label';
  const verdict = ev?.outranks && ev.required ? `  → needs at least ${labelDisplayName(policy, ev.required.labelId)} (has ${current})` : `  label: ${current}`;
  return [f.path, ...lines, verdict];
}

/** Where a finding is: line:column in a text file; the part and position, then line:column in it, inside a document. */
function whereOf(x: Finding): string {
  const at = `${x.line + 1}:${x.column + 1}`;
  return 'location' in x ? `${String(x.location)} ${at}` : at;
}

/** The stable JSON form of a scan (README documents it): findings carry masked excerpts only. */
function reportJson(policy: Policy, r: ScanReport) {
  return {
    scanned: r.scanned,
    files: r.files.map((f) => ({
      path: f.path,
      label: f.labelId ?? null,
      required: f.evaluation?.required?.labelId ?? null,
      requiredName: f.evaluation?.required ? labelDisplayName(policy, f.evaluation.required.labelId) : null,
      outranks: f.evaluation?.outranks ?? false,
      action: f.evaluation?.action ?? 'none',
      findings: f.findings.map((x) => ({
        type: x.typeId,
        name: x.typeName,
        confidence: x.confidence,
        why: x.why,
        sample: x.sample,
        line: x.line + 1,
        column: x.column + 1,
        ...('location' in x ? { location: String(x.location) } : {}),
        excerpt: x.excerpt,
      })),
    })),
    unlabeledMandatory: r.unlabeledMandatory,
    skipped: r.skipped,
  };
}

async function run(ctx: Parameters<Command['run']>[0], paths: readonly string[]) {
  const ws = await ctx.workspace();
  const targets = paths.length > 0 ? paths.map((p) => resolve(p)) : [ws.root];
  const report = await scanPaths(ws, targets);
  return { ws, policy: await ws.policy(), report };
}

export const scanCommands: Command[] = [
  {
    name: 'scan',
    usage: 'scan [PATH...] [--json | --sarif]',
    summary: 'find sensitive content (keys, tokens, card numbers, IBANs, SSNs, …); findings are masked',
    help: "Honours .gitignore and the policy's detection.exclude; skips binary and protected files.\n",
    flags: { json: {}, sarif: {} },
    async run(ctx, args) {
      if (hasFlag(args, 'json') && hasFlag(args, 'sarif')) throw new SensitivityError('E_USAGE', 'choose one of --json and --sarif');
      const { ws, policy, report } = await run(ctx, args.positionals);
      if (hasFlag(args, 'sarif')) {
        outJson(
          toSarif(report.files, {
            toolVersion: __VERSION__,
            types: scannerFor(policy.detection).types,
            labelName: (id) => labelDisplayName(policy, id),
            srcRoot: pathToFileURL(ws.root).href + '/',
          }),
        );
        return;
      }
      if (hasFlag(args, 'json')) {
        outJson(reportJson(policy, report));
        return;
      }
      for (const f of report.files) for (const line of describeFile(policy, f)) out(line);
      note(`${report.scanned} files scanned, ${report.files.length} with findings, ${report.skipped.length} skipped`);
    },
  },
  {
    name: 'check',
    usage: 'check [PATH...] [--json]',
    summary: 'exit 5 when content needs a higher label than its file has, or a mandatory file has none (CI, pre-commit)',
    flags: { json: {} },
    async run(ctx, args) {
      const { policy, report } = await run(ctx, args.positionals);
      const violations = report.files.filter((f) => f.evaluation?.outranks);
      if (hasFlag(args, 'json')) outJson({ ...reportJson(policy, report), ok: violations.length === 0 && report.unlabeledMandatory.length === 0 });
      else {
        for (const f of violations) for (const line of describeFile(policy, f)) out(line);
        for (const p of report.unlabeledMandatory) out(`${p}\n  → the policy requires a label (sensitivity label set ${p} --label LABEL)`);
      }
      const failed = violations.length + report.unlabeledMandatory.length;
      note(
        failed === 0
          ? `check passed: ${report.scanned} files scanned`
          : `check failed: ${violations.length} files need a higher label, ${report.unlabeledMandatory.length} mandatory files have none`,
      );
      return failed === 0 ? 0 : 5;
    },
  },
];
