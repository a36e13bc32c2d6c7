/**
 * The demo workspace, created on the fly for `npm start` and the UI tests: a git repository of a few files,
 * labels on some, one protected file, and two colleagues, Alice and Bob. Labels, identities and protection
 * come from the `sensitivity` CLI (dist/cli.js, the contract of issue 2) run as Alice; without it the folder
 * holds plain files. `npm start` opens it with an empty home of your own (you create your identity, as the
 * README says); the UI tests open it as Alice.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './provision.js';
import { cleanEnv } from './processes.js';
import { DEFAULT_POLICY } from '../../src/core/policy/default-policy.js';
import { POLICY_SCHEMA_ID } from '../../src/core/policy/schemas.js';
import type { LabelDefinition, LabelMarkings, Policy } from '../../src/core/policy/types.js';

export const CLI = join(REPO_ROOT, 'dist/cli.js');

/** What was created, for messages and tests. */
export interface DemoWorkspace {
  /** The folder VS Code opens. */
  readonly folder: string;
  /** SENSITIVITY_HOME of Alice, whose CLI made the demo (the UI tests become her: "The CLI's identity"). */
  readonly home: string;
  /** An empty SENSITIVITY_HOME for a newcomer (`npm start`): no identity, nobody pinned. */
  readonly yourHome: string;
  /** SENSITIVITY_HOME of Bob, the second person. */
  readonly otherHome: string;
  /** Whether labels, identities and the protected file exist (false while dist/cli.js is missing). */
  readonly labeled: boolean;
  /** Why `labeled` is false. */
  readonly note?: string;
  /** Why the folder is not a git repository (git missing or failing); undefined when it is one. */
  readonly git?: string | undefined;
}

export const ALICE = { name: 'Alice Example', email: 'alice@example.com' };
export const BOB = { name: 'Bob Example', email: 'bob@example.com' };

/**
 * Files of the demo: relative path → content; `label` is applied with `sensitivity label set` (with `--protect`
 * for a label whose protection is required: it protects the file, so `notes.md` becomes `notes.md.protected`).
 */
export const DEMO_FILES: ReadonlyArray<{ path: string; content: string; label?: string; protect?: true }> = [
  {
    path: 'README.md',
    content: [
      '# Sensitivity Labels demo',
      '',
      'Alice and Bob are colleagues who already label and protect their files here; you are new.',
      '',
      '1. Create your identity: Welcome → Open Walkthrough… → "Get Started with Sensitivity Labels",',
      '   or F1 → "Sensitivity: Create My Identity…".',
      '2. Label a file: click the label in the status bar, or right-click a file in the Explorer. Confidential and',
      '   Highly Confidential mark a text file with a header and a footer comment and a banner in the editor.',
      '3. Protect a file (right-click → Protect (Encrypt)…) and share it with Bob: he is already one of this',
      "   workspace's people. `notes.md.protected` is Confidential / All Employees: that label protects.",
      '4. F1 → "Sensitivity: Show Access Panel": who can open what. Alice is "an unverified key" to you',
      "   until you pin her key; `finance/q3-forecast.md.protected` is hers and Bob's, so it tells you why",
      '   it does not open for you.',
      '5. This folder is a git repository: change a protected file you can open, and Source Control shows',
      '   the change in plaintext, decrypted in memory.',
      '',
      'F1 → "Sensitivity:" lists every command.',
      '',
    ].join('\n'),
    label: 'Public',
  },
  { path: 'docs/roadmap.md', content: '# Roadmap\n\n- Q3: ship labels in the editor\n- Q4: key services\n', label: 'General' },
  {
    path: 'notes.md',
    content: '# Meeting notes\n\nCustomer escalation: contract renewal at risk, see finance.\n',
    label: 'Confidential/All Employees',
    protect: true,
  },
  { path: 'src/app.ts', content: 'export const greeting = (name: string) => `Hello, ${name}`;\n' },
  {
    path: 'finance/q3-forecast.md',
    content: '# Q3 forecast\n\n| Region | Revenue |\n| --- | --- |\n| EMEA | 4.2 M |\n| AMER | 6.9 M |\n',
  },
];

/** Content markings of the demo's labels (issue 22): what a Confidential or Highly Confidential file says of itself. */
export const DEMO_MARKINGS: Readonly<Record<string, LabelMarkings>> = {
  confidential: { header: 'CONFIDENTIAL: {label}. Internal use only; do not forward.', footer: 'Classified {label}', banner: true },
  'highly-confidential': { header: 'HIGHLY CONFIDENTIAL: {label}. Do not copy, forward or print.', footer: 'Classified {label}', banner: true },
};

/** The demo's `.sensitivity/policy.json`: the embedded default policy, with content markings on the two protecting labels. */
export function demoPolicy(): Policy & { $schema: string } {
  const labels = DEFAULT_POLICY.labels.map((l): LabelDefinition => (DEMO_MARKINGS[l.id] ? { ...l, markings: DEMO_MARKINGS[l.id]! } : l));
  return { $schema: POLICY_SCHEMA_ID, ...DEFAULT_POLICY, labels };
}

/** The file protected for Alice and Bob (the CLI writes `<path>.protected` and removes the plain file). */
export const PROTECTED_FILE = 'finance/q3-forecast.md';
export const PROTECTED_LABEL = 'Highly Confidential/Specific People';

/** Runs the CLI; throws with its stderr (which names the file and says what to do) on failure. */
async function cli(args: readonly string[], cwd: string, home: string, input?: string): Promise<string> {
  const env = cleanEnv({ SENSITIVITY_HOME: home });
  try {
    if (input === undefined) {
      return (await promisify(execFile)(process.execPath, [CLI, ...args], { cwd, env })).stdout;
    }
    return await new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, [CLI, ...args], { cwd, env }, (e, stdout, stderr) =>
        e ? reject(Object.assign(e, { stderr })) : resolve(stdout),
      );
      child.stdin?.end(input);
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`sensitivity ${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
  }
}

/** Makes `folder` a git repository with everything committed (as Alice), when git is there; else says why not. */
async function commitAll(folder: string): Promise<string | undefined> {
  const git = (...args: string[]) =>
    promisify(execFile)('git', ['-c', `user.name=${ALICE.name}`, '-c', `user.email=${ALICE.email}`, ...args], { cwd: folder, env: cleanEnv() });
  try {
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'Demo workspace');
    return undefined;
  } catch (e) {
    return `not a git repository (git: ${e instanceof Error ? e.message : String(e)})`;
  }
}

/** Creates the demo under `root` (workspace/, home-alice/, home-bob/, home-you/); `useCli: false` writes plain files only. */
export async function createDemoWorkspace(root: string, { useCli = true }: { useCli?: boolean } = {}): Promise<DemoWorkspace> {
  const folder = join(root, 'workspace');
  const home = join(root, 'home-alice');
  const otherHome = join(root, 'home-bob');
  const yourHome = join(root, 'home-you');
  for (const f of DEMO_FILES) {
    mkdirSync(dirname(join(folder, f.path)), { recursive: true });
    writeFileSync(join(folder, f.path), f.content);
  }
  mkdirSync(join(folder, '.sensitivity'), { recursive: true });
  writeFileSync(join(folder, '.sensitivity', 'policy.json'), `${JSON.stringify(demoPolicy(), null, 2)}\n`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  mkdirSync(otherHome, { recursive: true, mode: 0o700 });
  mkdirSync(yourHome, { recursive: true, mode: 0o700 });
  const homes = { folder, home, otherHome, yourHome };
  if (!useCli) return { ...homes, labeled: false, note: 'created without the CLI', git: await commitAll(folder) };
  if (!existsSync(CLI)) {
    return {
      ...homes,
      labeled: false,
      note: `${CLI} is missing (build the CLI first): the demo has no labels, identities or protected file`,
      git: await commitAll(folder),
    };
  }
  await cli(['id', 'new', '--name', ALICE.name, '--email', ALICE.email], folder, home);
  await cli(['id', 'new', '--name', BOB.name, '--email', BOB.email], folder, otherHome);
  for (const who of [home, otherHome]) {
    await cli(['people', 'add', '-'], folder, home, await cli(['id', 'show', '--json'], folder, who));
  }
  for (const f of DEMO_FILES) if (f.label) await cli(['label', 'set', f.path, '--label', f.label, ...(f.protect ? ['--protect'] : [])], folder, home);
  await cli(['protect', PROTECTED_FILE, '--label', PROTECTED_LABEL, '--grant', `${BOB.email}=Viewer`], folder, home);
  return { ...homes, labeled: true, git: await commitAll(folder) };
}
