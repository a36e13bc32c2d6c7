/** From findings to a label decision: minimum label, recommend or apply, never down, never over a person. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, scanText, type DetectionRule, type Finding } from '../../src/core/detect/index.js';

const ORDER = ['public', 'general', 'confidential', 'highly-confidential'];
const rank = (id: string): number => (ORDER.includes(id) ? ORDER.indexOf(id) : NaN);
const rules: DetectionRule[] = [
  { types: ['private-key', 'aws-access-key'], minLabel: 'highly-confidential', action: 'apply' },
  { types: ['credit-card', 'iban', 'us-ssn'], minLabel: 'confidential', action: 'recommend' },
  { types: ['email-list'], minLabel: 'confidential', action: 'recommend', minCount: 20 },
  { types: ['secret-assignment'], minLabel: 'confidential', action: 'apply', minConfidence: 'high' },
];
const policy = { rank, rules };

const card = scanText('Card number: 4539 1488 0343 6467');
const aws = scanText('aws_access_key_id = AKIAQWERTYUIOPASDF23');
const both = [...card, ...aws];

describe('evaluate', () => {
  it('nothing found, or no rule for it: no action', () => {
    assert.deepEqual(evaluate([], undefined, policy), { action: 'none', outranks: false });
    assert.deepEqual(evaluate(scanText('jwt only eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.' + 'a'.repeat(43)), undefined, policy), {
      action: 'none',
      outranks: false,
    });
  });

  it('recommends the minimum label of a recommend rule, with the findings that met it', () => {
    const e = evaluate(card, 'general', policy);
    assert.equal(e.action, 'recommend');
    assert.equal(e.outranks, true);
    assert.equal(e.required?.labelId, 'confidential');
    assert.deepEqual(e.required?.findings, card);
  });

  it('the most sensitive triggered rule decides', () => {
    const e = evaluate(both, undefined, policy);
    assert.equal(e.required?.labelId, 'highly-confidential');
    assert.deepEqual(
      e.required?.findings.map((f: Finding) => f.typeId),
      ['aws-access-key'],
    );
  });

  it('applies on an unlabelled file, and raises a label that was applied automatically', () => {
    assert.equal(evaluate(aws, undefined, policy).action, 'apply');
    assert.equal(evaluate(aws, 'confidential', policy, { currentIsAutomatic: true }).action, 'apply');
  });

  it('never applies over a label a person chose: it recommends instead', () => {
    const e = evaluate(aws, 'general', policy);
    assert.deepEqual([e.action, e.outranks, e.required?.labelId], ['recommend', true, 'highly-confidential']);
  });

  it('never downgrades: a label at or above the minimum needs nothing', () => {
    for (const current of ['confidential', 'highly-confidential']) {
      const e = evaluate(card, current, policy, { currentIsAutomatic: true });
      assert.deepEqual([e.action, e.outranks], ['none', false], current);
    }
    assert.equal(evaluate(aws, 'highly-confidential', policy).action, 'none');
  });

  it('minCount and minConfidence gate a rule (default minimum confidence: medium)', () => {
    const emails = scanText(Array.from({ length: 12 }, (_, i) => `p${i}@corp.io`).join('\n'));
    assert.equal(emails.length, 12);
    assert.equal(evaluate(emails, undefined, policy).action, 'none', '12 < minCount 20');
    const medium = scanText('API_KEY=q7Zk2mX9vB4nR8tW3yL'); // medium: shorter than 24
    assert.equal(medium[0]?.confidence, 'medium');
    assert.equal(evaluate(medium, undefined, policy).action, 'none');
    const high = scanText('API_KEY=q7Zk2mX9vB4nR8tW3yL6pD1sHf5Gj');
    assert.equal(evaluate(high, undefined, policy).action, 'apply');
    const testCard = scanText('card 4111 1111 1111 1111');
    assert.equal(testCard[0]?.confidence, 'low');
    assert.equal(evaluate(testCard, undefined, policy).action, 'none');
  });

  it('at the same label, an apply rule wins over a recommend rule', () => {
    const twin = [...rules, { types: ['credit-card'], minLabel: 'confidential', action: 'apply' as const }];
    assert.equal(evaluate(card, undefined, { rank, rules: twin }).action, 'apply');
  });

  it('a rule naming an unknown label is ignored; an unknown current label ranks below all', () => {
    assert.equal(evaluate(card, undefined, { rank, rules: [{ types: ['credit-card'], minLabel: 'secret', action: 'apply' }] }).action, 'none');
    const e = evaluate(card, 'retired-label', policy);
    assert.deepEqual([e.action, e.outranks], ['recommend', true]);
  });
});
