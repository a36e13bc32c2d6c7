/**
 * `scan`/`check` as a subprocess: files named `*.protected` (issue 8: a real envelope is skipped because its
 * header parses and its signed policy verifies; any other file with that name is scanned like every file),
 * and the reasons for each finding's confidence in `scan --json` (issue 14).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makePerson, tempDir, type Person } from './cli/helpers.js';

// Built at run time so no scanner flags this test file itself.
const AWS_ID = ['AKIA', 'Q3EGRZ4TXOYMBVNK'].join('');

describe('scanning files named *.protected', () => {
  const tmp = tempDir();
  const ws = join(tmp.path, 'repo');
  let alice: Person;

  before(() => {
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
    writeFileSync(join(ws, 'real.env'), `AWS_ACCESS_KEY_ID=${AWS_ID}\n`);
    assert.equal(alice.run(['protect', 'real.env']).code, 0);
    writeFileSync(join(ws, 'fake.env.protected'), `AWS_ACCESS_KEY_ID=${AWS_ID}\n`);
    // The signature alone is not enough: a plaintext body behind the magic bytes is still scanned.
    writeFileSync(join(ws, 'magic.env.protected'), Buffer.concat([Buffer.from('\x89SNS\r\n\x1a\n', 'latin1'), Buffer.from(`\nAWS_ACCESS_KEY_ID=${AWS_ID}\n`)]));
  });
  after(() => tmp.dispose());

  it('skips a real envelope and reports plaintext that only carries the name', () => {
    const r = alice.run(['scan', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { files: { path: string; findings: { type: string }[] }[]; skipped: { path: string }[] };
    const paths = report.files.map((f) => f.path);
    assert.ok(paths.includes('fake.env.protected'), `plaintext named .protected is scanned: ${paths.join(', ')}`);
    assert.ok(paths.includes('magic.env.protected'), 'the signature without a valid header is not enough');
    assert.ok(!paths.includes('real.env.protected'), 'a real envelope is not scanned');
    assert.ok(!report.skipped.some((s) => s.path === 'real.env.protected'), 'nor listed as skipped (it is protected, not unreadable)');
    assert.equal(report.files.find((f) => f.path === 'fake.env.protected')!.findings[0]!.type, 'aws-access-key');
  });

  it('scan --json says why each finding has its confidence, and marks published samples', () => {
    writeFileSync(join(ws, 'docs.md'), `Example from the AWS guide: ${['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('')}\n`);
    const r = alice.run(['scan', '--json', 'fake.env.protected', 'docs.md']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { files: { path: string; findings: { confidence: string; why: string[]; sample: boolean }[] }[] };
    const byPath = new Map(report.files.map((f) => [f.path, f.findings[0]!]));
    assert.deepEqual(byPath.get('fake.env.protected'), {
      ...byPath.get('fake.env.protected'),
      confidence: 'high',
      sample: false,
      why: ['issuer prefix AKIA (access key)', 'issuer structure (20 characters, base32 alphabet)'],
    });
    assert.deepEqual(byPath.get('docs.md'), {
      ...byPath.get('docs.md'),
      confidence: 'low',
      sample: true,
      why: ['published sample (AWS documentation), ignored'],
    });
    assert.match(alice.run(['scan', 'docs.md']).stdout, /AWS access key \(sample, ignored\)/);
    assert.equal(alice.run(['check', 'docs.md']).code, 0, 'a sample never fails check');
  });

  it('check fails on plaintext named .protected, as on any unlabeled secret', () => {
    const r = alice.run(['check', 'fake.env.protected']);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.equal(alice.run(['check', 'real.env.protected']).code, 0);
  });
});
