/**
 * SARIF output, validated against the official SARIF 2.1.0 JSON schema. The schema is vendored in
 * test/corpus/sarif-schema-2.1.0.json: it is `sarif-2.1.0.json` as shipped in the npm package
 * @microsoft/sarif-multitool-linux 5.7.0 (Microsoft's SARIF SDK, MIT), draft 2020-12.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import { evaluate, scanText, toSarif, type FileScan } from '../../src/core/detect/index.js';

const schema = JSON.parse(readFileSync(new URL('../corpus/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;

// ajv ships no formats; these follow RFC 3986 (uri, uri-reference), RFC 3339 (date-time), RFC 4122 (uuid).
const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addFormat('uri', /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/);
ajv.addFormat('uri-reference', /^[^\s]*$/);
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i);
ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const validate = ajv.compile(schema);

const ORDER = ['public', 'general', 'confidential', 'highly-confidential'];
const ruleSet = {
  rank: (id: string) => ORDER.indexOf(id),
  rules: [{ types: ['credit-card', 'iban'], minLabel: 'confidential', action: 'recommend' as const }],
};

const cardText = 'first\nCard number: 4539 1488 0343 6467\n';
const files: FileScan[] = [
  { path: 'src/pay ment.ts', findings: scanText(cardText), labelId: 'general', evaluation: evaluate(scanText(cardText), 'general', ruleSet) },
  { path: 'keys/id.txt', findings: scanText('x AKIAQWERTYUIOPASDF23\ncard 4111111111111111') },
  { path: 'clean.md', findings: [] },
];

describe('toSarif', () => {
  it('validates against the SARIF 2.1.0 schema', () => {
    const log = toSarif(files, { toolVersion: '0.1.0', srcRoot: 'file:///work/repo/', informationUri: 'https://example.invalid/sensitivity' });
    const ok = validate(log);
    assert.ok(ok, JSON.stringify(validate.errors, null, 2));
  });

  it('the schema check can fail: a region with line 0 and a missing message are rejected', () => {
    const log = toSarif(files, { toolVersion: '0.1.0' });
    const broken = structuredClone(log) as {
      runs: { results: { message?: unknown; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[];
    };
    broken.runs[0]!.results[0]!.locations[0]!.physicalLocation.region.startLine = 0;
    assert.equal(validate(broken), false);
    delete broken.runs[0]!.results[1]!.message;
    assert.equal(validate({ ...broken }), false);
  });

  it('one rule per type found, results with 1-based regions, relative encoded URIs, masked messages', () => {
    const log = toSarif(files, { toolVersion: '0.1.0', labelName: (id) => id.toUpperCase() });
    const run = log.runs[0]!;
    assert.deepEqual(
      run.tool.driver.rules.map((r) => r.id),
      ['credit-card', 'aws-access-key'],
    );
    assert.equal(run.tool.driver.rules[0]!.name, 'PaymentCardNumber');
    assert.equal(run.columnKind, 'utf16CodeUnits');
    const [first, second, third] = run.results;
    assert.equal(first!.level, 'error');
    assert.equal(first!.message.text, 'Payment card number (**** **** **** 6467) — this file should be at least CONFIDENTIAL (it is GENERAL)');
    assert.deepEqual(first!.locations[0]!.physicalLocation.artifactLocation, { uri: 'src/pay%20ment.ts', uriBaseId: '%SRCROOT%' });
    assert.deepEqual(first!.locations[0]!.physicalLocation.region, { startLine: 2, startColumn: 14, endLine: 2, endColumn: 33 });
    assert.deepEqual([second!.ruleIndex, second!.level], [1, 'warning']);
    assert.deepEqual([third!.ruleId, third!.level], ['credit-card', 'note'], 'a test card number is only a note');
    const json = JSON.stringify(log);
    for (const secret of ['4539 1488 0343 6467', '4539148803436467', 'AKIAQWERTYUIOPASDF23', 'QWERTYUIOPASDF']) assert.ok(!json.includes(secret), secret);
  });

  it('an empty scan is still a valid log', () => {
    assert.ok(validate(toSarif([], { toolVersion: 'dev' })), JSON.stringify(validate.errors));
  });
});
