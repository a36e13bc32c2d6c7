// Bundles the CLI (Node), the extension (Node, CommonJS, `vscode` external) and the webview (browser IIFE).
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** What the CLI bundle needs besides `common` (also the routes' probe below, which bundles the same table). */
const cliOptions = {
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: { __VERSION__: JSON.stringify(version) },
  // `import()` becomes a lazily evaluated part of the bundle (a command group, a built-in loaded late): dist/cli.js
  // runs this bundle as a vm.Script, where import() would need an experimental loader option.
  supported: { 'dynamic-import': false },
  // The key service's native PKCS#11 binding and its PostgreSQL client load from node_modules, only when a
  // key-service command runs (and pg only when the config names a database).
  external: ['pkcs11js', 'pg'],
};

/**
 * Command name → index of its group in src/cli/commands/index.ts, computed by running that table once here, so
 * the CLI loads only the group of the command it runs (issue 24) and a new command needs no second list.
 */
async function commandRoutes() {
  const probe = await esbuild.build({
    ...cliOptions,
    stdin: {
      contents: "import { commandRoutes } from './src/cli/commands/index.ts'; commandRoutes().then((r) => process.stdout.write(JSON.stringify(r)));",
      resolveDir: '.',
      loader: 'ts',
    },
    bundle: true,
    write: false,
    logLevel: 'warning',
  });
  const r = spawnSync(process.execPath, ['-'], { input: probe.outputFiles[0].text, encoding: 'utf8', cwd: tmpdir() });
  if (r.status !== 0) throw new Error(`listing the CLI's commands failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

/** @type {esbuild.BuildOptions[]} */
const targets = [
  {
    ...common,
    // The CLI's code, run by dist/cli.js (below). The scan pool (src/node/scan-pool.ts) starts its workers
    // from scan-worker.js beside it.
    entryPoints: { 'cli-main': 'src/cli/main.ts', 'scan-worker': 'src/node/scan-worker.ts' },
    outdir: 'dist',
    ...cliOptions,
    // In watch mode no routes: every command group loads (the table changes under it).
    define: { ...cliOptions.define, __COMMAND_ROUTES__: watch ? '{}' : JSON.stringify(await commandRoutes()) },
    // Every CLI run parses the whole bundle before its first byte: whitespace and syntax minified, it is
    // 28% smaller and a run costs 2.6% fewer instructions (callgrind, issue 11); names stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
  },
  {
    ...common,
    // pdf.js (by far the largest code we ship), loaded only when a scan meets a PDF (src/node/pdf-text-loader.ts),
    // by the CLI and the extension alike; names minified too in production (it keeps the .vsix under its budget).
    entryPoints: { 'pdf-text': 'src/node/pdf-text.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: { webview: 'src/webview/main.ts', audit: 'src/webview/audit/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
  {
    ...common,
    entryPoints: { 'test/index': 'test/integration/index.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
].filter((t) => Object.values(t.entryPoints).every((p) => existsSync(p)));

// The policy schema ships beside the bundles: the extension contributes it for .sensitivity/policy.json.
const schema = 'src/core/policy/policy.schema.json';
if (existsSync(schema)) {
  mkdirSync('dist', { recursive: true });
  copyFileSync(schema, 'dist/policy.schema.json');
}

/**
 * The `sensitivity` executable, dist/cli.js (src/cli/bin.ts): runs dist/cli-main.js through V8's code
 * cache, named after the bundle's digest ('' in watch mode: no cache, as the bundle changes under it).
 */
const bin = (digest) => ({
  ...common,
  sourcemap: false,
  entryPoints: { cli: 'src/cli/bin.ts' },
  outdir: 'dist',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  define: { __BUNDLE_DIGEST__: JSON.stringify(digest) },
});

if (watch) {
  for (const t of [...targets, bin('')]) await (await esbuild.context(t)).watch();
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
  for (const f of readdirSync('dist')) if (/^cli-main\..*\.cache$/.test(f)) rmSync(`dist/${f}`, { force: true });
  await esbuild.build(bin(createHash('sha256').update(readFileSync('dist/cli-main.js')).digest('hex').slice(0, 16)));
}
