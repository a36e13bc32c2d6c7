/**
 * `npm run package`: production bundles, then `vsce package --no-dependencies` (everything is bundled),
 * then checks the .vsix: under 1 MiB, no source maps, no tests, nothing outside the shipped set. The
 * extension's page (its packed README) is the user's page, docs/extension-page.md, not the developer README.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from './lib/provision.js';

const MAX_BYTES = 1024 * 1024;
// What a .vsix may hold: vsce's manifest files plus what .vscodeignore lets through.
const SHIPPED = [
  /^extension\/package\.json$/,
  /^extension\/(readme|changelog)\.md$/i,
  /^extension\/LICENSE(\.txt)?$/i,
  /^extension\/dist\/(extension|webview|audit|scan-worker|pdf-text)\.js$/,
  /^extension\/dist\/[^/]+\.(json|css)$/,
  /^extension\/media\//,
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
];

/** The path of the .vsix `npm run package` writes. */
export function vsixPath(): string {
  const { name, version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return join(REPO_ROOT, `${name}-${version}.vsix`);
}

/** File names in a zip archive, from its central directory (APPNOTE.TXT 4.3.12 and 4.3.16). */
function zipEntries(zip: Buffer): string[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extra + comment;
  }
  return names;
}

/** The user's page of the extension; its settings list and pictures are filled in when packaging. */
export const EXTENSION_PAGE = join(REPO_ROOT, 'docs/extension-page.md');
const SETTINGS_MARKER = /^<!-- settings:.*-->$/m;

interface Setting {
  readonly default?: unknown;
  readonly description?: string;
  readonly markdownDescription?: string;
}

/** One line per contributed setting: its key, its default and what it does. */
function settingsList(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, Setting> } } };
  return Object.entries(pkg.contributes.configuration.properties)
    .map(([key, s]) => `- \`${key}\` (default \`${JSON.stringify(s.default)}\`): ${(s.markdownDescription ?? s.description ?? '').replace(/\n+/g, ' ')}`)
    .join('\n');
}

/**
 * Where the page's pictures are served from: VS Code's Extensions view keeps only http(s) images in a README
 * (its sanitizer drops relative and data: sources; checked in VS Code 1.139) and its CSP allows https: only,
 * so a picture packed beside the README never shows. `SENSITIVITY_PAGE_IMAGES_URL`, else the raw files of
 * package.json's GitHub `repository` (as vsce's --baseImagesUrl would); none: the page has no pictures.
 */
export function pageImagesUrl(): string | undefined {
  if (process.env.SENSITIVITY_PAGE_IMAGES_URL) return process.env.SENSITIVITY_PAGE_IMAGES_URL.replace(/\/$/, '');
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { repository?: string | { url?: string } };
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const github = repo && /github\.com[/:]([\w.-]+\/[\w.-]+?)(\.git)?$/.exec(repo)?.[1];
  return github ? `https://github.com/${github}/raw/HEAD` : undefined;
}

/** The page as VS Code shows it: the settings list filled in, each picture an absolute https URL (or left out). */
export function extensionPage(imagesUrl = pageImagesUrl()): string {
  const source = readFileSync(EXTENSION_PAGE, 'utf8');
  if (!SETTINGS_MARKER.test(source)) throw new Error(`${EXTENSION_PAGE} lost its settings marker`);
  return source
    .replace(SETTINGS_MARKER, settingsList())
    .replace(/^!\[([^\]]*)\]\(([^)\s]+)\)\n\n/gm, (_, alt: string, src: string) =>
      imagesUrl ? `![${alt}](${imagesUrl}/${relative(REPO_ROOT, resolve(dirname(EXTENSION_PAGE), src))})\n\n` : '',
    );
}

/** Builds the production bundles and packages them; throws when the .vsix breaks the budget or ships extra files. */
export function packageExtension({ out = vsixPath(), imagesUrl = pageImagesUrl() }: { out?: string; imagesUrl?: string | undefined } = {}): {
  path: string;
  bytes: number;
  entries: string[];
} {
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  run(process.execPath, ['esbuild.mjs', '--production']);
  const readme = join(REPO_ROOT, 'dist/extension-page/README.md');
  mkdirSync(dirname(readme), { recursive: true });
  writeFileSync(readme, extensionPage(imagesUrl));
  if (!imagesUrl) console.warn('package: no SENSITIVITY_PAGE_IMAGES_URL or GitHub repository in package.json: the extension page has no pictures');
  const vsce = join(REPO_ROOT, 'node_modules/@vscode/vsce/vsce');
  // vsce's secret scan flags the detectors' allowlist of published samples (Slack's documentation webhook,
  // T00000000/B00000000/XXXX…, src/core/detect/samples.ts): a documented placeholder, not a secret. Only that
  // kind is allowed; any other secret in the bundle still fails packaging.
  run(process.execPath, [
    vsce,
    'package',
    '--no-dependencies',
    '--no-rewrite-relative-links',
    '--readme-path',
    relative(REPO_ROOT, readme),
    '--allow-missing-repository',
    '--allow-package-secrets',
    'slack',
    '--out',
    out,
  ]);
  const bytes = statSync(out).size;
  const entries = zipEntries(readFileSync(out));
  const unexpected = entries.filter((e) => !SHIPPED.some((re) => re.test(e)));
  if (unexpected.length > 0) throw new Error(`${out} ships unexpected files: ${unexpected.join(', ')} (fix .vscodeignore)`);
  if (bytes > MAX_BYTES) throw new Error(`${out} is ${bytes} bytes, over the 1 MiB budget`);
  return { path: out, bytes, entries };
}

if (require.main === module) {
  try {
    const { path, bytes, entries } = packageExtension();
    console.log(`${path}: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB), ${entries.length} entries:\n  ${entries.join('\n  ')}`);
  } catch (e) {
    console.error(`package: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
