/** `sensitivity scan` / `check` as a real subprocess (issue 5): masking, .gitignore, exit 5 and its fix. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makePerson, tempDir, type Person } from './helpers.js';

// Built at run time so no scanner flags this test file itself.
const AWS_ID = ['AKIA', 'Q3EGRZ4TXOYMBVNK'].join('');
const CARD = ['4539', '1488', '0343', '6467'].join(' ');

describe('sensitivity scan and check', () => {
  const tmp = tempDir();
  const ws = join(tmp.path, 'repo');
  let alice: Person;

  before(() => {
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    mkdirSync(join(ws, 'build'));
    alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
    writeFileSync(join(ws, 'deploy.env'), `AWS_ACCESS_KEY_ID=${AWS_ID}\n`);
    writeFileSync(join(ws, 'payments.csv'), `name,card\nAda,${CARD}\n`);
    writeFileSync(join(ws, 'notes.md'), '# nothing to see\n');
    writeFileSync(join(ws, 'build', 'copy.env'), `AWS_ACCESS_KEY_ID=${AWS_ID}\n`);
    writeFileSync(join(ws, '.gitignore'), 'build/\n');
    writeFileSync(join(ws, 'blob.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(AWS_ID)]));
  });
  after(() => tmp.dispose());

  it('reports masked findings, honouring .gitignore and skipping binary files', () => {
    const r = alice.run(['scan', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(AWS_ID), 'the secret never appears in output');
    assert.ok(!r.stdout.includes(CARD));
    const report = JSON.parse(r.stdout) as { files: { path: string; required: string; findings: { type: string }[] }[]; skipped: { path: string }[] };
    assert.deepEqual(
      report.files.map((f) => f.path),
      ['deploy.env', 'payments.csv'],
    );
    assert.equal(report.files[0]!.findings[0]!.type, 'aws-access-key');
    assert.equal(report.files[1]!.findings[0]!.type, 'credit-card');
    assert.ok(report.skipped.some((s) => s.path === 'blob.bin'));
  });

  it('check exits 5 while content outranks its label, and 0 once labeled', () => {
    const failing = alice.run(['check']);
    assert.equal(failing.code, 5, failing.stderr);
    assert.match(failing.stdout, /deploy\.env/);
    assert.match(failing.stdout, /Highly Confidential/);
    assert.equal(alice.run(['label', 'set', 'deploy.env', '--label', 'Highly Confidential/Specific People', '--protect']).code, 0);
    assert.equal(alice.run(['check']).code, 5, 'payments.csv is still unlabeled');
    assert.equal(alice.run(['label', 'set', 'payments.csv', '--label', 'Confidential/Specific People', '--protect']).code, 0);
    const passing = alice.run(['check']);
    assert.equal(passing.code, 0, passing.stdout + passing.stderr);
  });

  it('check exits 5 for a mandatory file without a label', () => {
    writeFileSync(
      join(ws, '.sensitivity', 'policy.json'),
      JSON.stringify({
        version: 1,
        labels: [
          { id: 'public', name: 'Public', description: 'x', color: '#00aa00' },
          { id: 'secret', name: 'Secret', description: 'y', color: '#aa0000' },
        ],
        mandatory: ['**/*.md'],
      }),
    );
    const r = alice.run(['check', 'notes.md']);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stdout, /notes\.md/);
    assert.equal(alice.run(['label', 'set', 'notes.md', '--label', 'Public']).code, 0);
    assert.equal(alice.run(['check', 'notes.md']).code, 0);
  });

  it('--sarif prints a SARIF 2.1.0 log with masked messages', () => {
    writeFileSync(join(ws, 'deploy.env'), `AWS_ACCESS_KEY_ID=${AWS_ID}\n`); // protected (and removed) by the check test
    const r = alice.run(['scan', '--sarif', 'deploy.env']);
    assert.equal(r.code, 0, r.stderr);
    const log = JSON.parse(r.stdout) as { version: string; runs: { results: { ruleId: string; message: { text: string } }[] }[] };
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs[0]!.results[0]!.ruleId, 'aws-access-key');
    assert.ok(!r.stdout.includes(AWS_ID));
  });
});
