#!/usr/bin/env node
/**
 * `npm run test:all` starts here: checks every Debian package the whole suite needs and, when any is missing,
 * names them all in one `apt-get install` line before anything runs (exit 1). Plain Node, no dependencies, so
 * it also runs before `npm ci`. `.ci/run` installs the same list (a unit test keeps the two in step);
 * `--apt` prints the package names only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const python = (module) => spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
const perl = (module) => spawnSync('perl', [`-M${module}`, '-e1'], { stdio: 'ignore' }).status === 0;
const postgres = () => {
  try {
    return readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`));
  } catch {
    return false;
  }
};

/** Debian package → what needs it and how to tell it is there. */
export const REQUIREMENTS = [
  { pkg: 'chromium', why: 'the UI tests’ browser', ok: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
  { pkg: 'build-essential', why: 'code-server’s native modules (first provisioning) and pkcs11js', ok: () => onPath('make') && onPath('g++') },
  { pkg: 'python3', why: 'node-gyp', ok: () => onPath('python3') },
  { pkg: 'python3-jwcrypto', why: 'the JOSE interoperability test', ok: () => python('jwcrypto') },
  { pkg: 'git', why: 'glob and history tests', ok: () => onPath('git') },
  { pkg: 'age', why: 'the benchmark baseline', ok: () => onPath('age') && onPath('age-keygen') },
  { pkg: 'ripgrep', why: 'the scan benchmark baseline', ok: () => onPath('rg') },
  { pkg: 'softhsm2', why: 'the key service’s PKCS#11 token', ok: () => existsSync('/usr/lib/softhsm/libsofthsm2.so') && onPath('softhsm2-util') },
  { pkg: 'nginx', why: 'the key service’s load balancer', ok: () => onPath('nginx') || existsSync('/usr/sbin/nginx') },
  { pkg: 'postgresql', why: 'the key service replicas’ shared state', ok: postgres },
  { pkg: 'libimage-exiftool-perl', why: 'reading document labels independently', ok: () => onPath('exiftool') },
  {
    pkg: 'libarchive-zip-perl',
    why: 'exiftool reading inside Office documents',
    ok: () => spawnSync('perl', ['-MArchive::Zip', '-e1'], { stdio: 'ignore' }).status === 0,
  },
  { pkg: 'python3-docx', why: 'writing Word documents independently', ok: () => python('docx') },
  { pkg: 'python3-openpyxl', why: 'writing Excel workbooks independently', ok: () => python('openpyxl') },
  { pkg: 'poppler-utils', why: 'reading PDFs independently', ok: () => onPath('pdftotext') },
  { pkg: 'qpdf', why: 'checking PDFs', ok: () => onPath('qpdf') },
  { pkg: 'libreoffice-writer-nogui', why: 'Office documents written by another suite', ok: () => onPath('soffice') },
  { pkg: 'libarchive-zip-perl', why: 'exiftool reading inside .docx/.xlsx/.pptx', ok: () => perl('Archive::Zip') },
  { pkg: 'gnupg', why: 'a benchmark baseline', ok: () => onPath('gpg') },
];

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--apt')) {
    console.log(REQUIREMENTS.map((r) => r.pkg).join(' '));
  } else {
    const missing = REQUIREMENTS.filter((r) => !r.ok());
    if (missing.length > 0) {
      console.error('test:all needs Debian packages that are not installed:');
      for (const r of missing) console.error(`  ${r.pkg.padEnd(26)} ${r.why}`);
      console.error(`Install them with:\n  sudo apt-get install -y --no-install-recommends ${missing.map((r) => r.pkg).join(' ')}`);
      process.exit(1);
    }
    console.log(`preflight: all ${REQUIREMENTS.length} Debian packages the tests need are present`);
  }
}
