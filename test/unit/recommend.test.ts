/** Issue 22's rules: the label recommended for a credential never grants it to everyone; a plaintext file under a label that requires protection stays a warning. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanText } from '../../src/core/detect/index.js';
import { DEFAULT_POLICY, findLabel, grantsGroups, parsePolicy, recommendedLabel, requiresProtection } from '../../src/core/policy/index.js';
import { assess, messageOf } from '../../src/extension/detect/assess.js';

const aws = scanText('const awsKey = "AKIAQWERTYUIOPASDF23";\n');
const card = scanText('Card number: 4539 1488 0343 6467');

describe('recommended labels shrink access', () => {
  it('recommends a label that grants no group for a credential, the least label otherwise', () => {
    assert.equal(recommendedLabel(DEFAULT_POLICY, 'highly-confidential', { narrow: true }).id, 'highly-confidential-specific-people');
    assert.equal(recommendedLabel(DEFAULT_POLICY, 'highly-confidential').id, 'highly-confidential-all-employees');
    assert.equal(recommendedLabel(DEFAULT_POLICY, 'confidential', { narrow: true }).id, 'confidential-specific-people');
    assert.equal(recommendedLabel(DEFAULT_POLICY, 'general', { narrow: true }).id, 'general', 'no protection, no group');
    assert.equal(grantsGroups(findLabel(DEFAULT_POLICY, 'highly-confidential-all-employees')), true);
    assert.equal(grantsGroups(findLabel(DEFAULT_POLICY, 'highly-confidential-specific-people')), false);
  });

  it('treats "@domain" as a group, and falls back to the least label when every candidate grants one', () => {
    const policy = parsePolicy(
      JSON.stringify({
        version: 1,
        labels: [
          { id: 'open', name: 'Open' },
          { id: 'team', name: 'Team', protection: { required: true, grants: [{ to: '@example.com', role: 'Viewer' }] } },
        ],
      }),
    );
    assert.equal(recommendedLabel(policy, 'team', { narrow: true }).id, 'team');
  });

  it('assess: an AWS key in code is recommended Highly Confidential / Specific People; a card number Confidential / All Employees', () => {
    assert.equal(assess(aws, DEFAULT_POLICY, undefined).target?.id, 'highly-confidential-specific-people');
    assert.equal(assess(card, DEFAULT_POLICY, { id: 'general', displayName: 'General' }).target?.id, 'confidential-all-employees');
  });
});

describe('a label that requires protection, on a plaintext file', () => {
  it('knows which labels require protection', () => {
    assert.equal(requiresProtection(findLabel(DEFAULT_POLICY, 'general')), false);
    assert.equal(requiresProtection(findLabel(DEFAULT_POLICY, 'confidential-all-employees')), true);
  });

  it('keeps the findings warnings until the file is protected, and says why', () => {
    const current = { id: 'highly-confidential-specific-people', displayName: 'Highly Confidential / Specific People' };
    const protectedFile = assess(aws, DEFAULT_POLICY, current);
    assert.deepEqual(
      protectedFile.counted.map((c) => c.outranks),
      [false],
      'protected: information only',
    );
    const plain = assess(aws, DEFAULT_POLICY, { ...current, unprotected: true });
    assert.deepEqual(
      plain.counted.map((c) => c.outranks),
      [true],
      'plaintext: a warning',
    );
    assert.match(messageOf(plain.counted[0]!, { ...current, unprotected: true }, plain), /requires protection, but it is still plaintext: protect it/);
    assert.equal(plain.evaluation.outranks, false, 'the label itself is high enough');
  });
});
