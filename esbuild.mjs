// Bundles the CLI (Node), the extension (Node, CommonJS, `vscode` external) and the webview (browser IIFE).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

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
    // The scan pool's workers (src/node/scan-pool.ts) load scan-worker.js from beside the bundle.
    entryPoints: { cli: 'src/cli/main.ts', 'scan-worker': 'src/node/scan-pool.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    define: { __VERSION__: JSON.stringify(version) },
    // The key service's native PKCS#11 binding loads from node_modules, only when a key-service command runs.
    external: ['pkcs11js'],
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
    entryPoints: { webview: 'src/webview/main.ts' },
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

if (watch) {
  for (const t of targets) await (await esbuild.context(t)).watch();
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
