/**
 * Precision and recall per type over the generated corpus (test/corpus/generate.ts): planted values of
 * every type with near misses beside them in mixed filler. A finding counts when its confidence is at
 * least medium (what rules act on by default) and it overlaps a planted value of its type.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_TYPES, DETECTOR_REACH, PASSWORD_MIN_ENTROPY, SECRET_MIN_ENTROPY, scanText, type Finding } from '../../src/core/detect/index.js';
import { shannonEntropy } from '../../src/core/detect/text.js';
import { labelledCorpus, NEAR_MISSES, POSITIVES, rng } from '../corpus/generate.js';

interface Tally {
  tp: number;
  fn: number;
  fp: number;
  /** Near misses planted for the type (its negatives). */
  negatives: number;
}

/** The bars per type (issue 14): recall at least 95%, false alarms at most 2% of the type's negatives, precision at least 95%. */
const MIN_RECALL = 0.95;
const MAX_FALSE_ALARMS = 0.02;
const MIN_PRECISION = 0.95;

describe('corpus', () => {
  it('precision, recall and false alarms per type meet the bars', () => {
    const tally = new Map<string, Tally>(BUILTIN_TYPES.map((x) => [x.id, { tp: 0, fn: 0, fp: 0, negatives: 0 }]));
    // The families of shapes met in the wild (issue 25): positives found, near misses reported.
    const families = new Map<string, { found: number; positives: number; reported: number; nearMisses: number }>();
    const familyOf = (name: string) => families.get(name) ?? families.set(name, { found: 0, positives: 0, reported: 0, nearMisses: 0 }).get(name)!;
    const problems: string[] = [];
    for (const seed of [1, 2, 3]) {
      for (const doc of labelledCorpus(seed)) {
        const findings = scanText(doc.text).filter((f) => f.confidence !== 'low');
        const overlaps = (start: number, end: number, type: string) =>
          findings.filter((f) => f.typeId === type && f.offset < end && f.offset + f.length > start);
        for (const p of doc.planted) {
          if (!p.typeId) {
            if (p.decoyOf) tally.get(p.decoyOf)!.negatives++;
            if (p.family && p.decoyOf) {
              const f = familyOf(p.family);
              f.nearMisses++;
              if (overlaps(p.offset + p.start, p.offset + p.end, p.decoyOf).length > 0) f.reported++;
            }
            continue;
          }
          const hit = overlaps(p.offset + p.start, p.offset + p.end, p.typeId).length > 0;
          if (p.family) {
            const f = familyOf(p.family);
            f.positives++;
            if (hit) f.found++;
          }
          tally.get(p.typeId)![hit ? 'tp' : 'fn']++;
          if (!hit) problems.push(`missed ${p.typeId}: ${p.text.slice(0, 100)}`);
        }
        for (const f of findings) {
          const planted = doc.planted.some((p) => p.typeId === f.typeId && f.offset < p.offset + p.end && f.offset + f.length > p.offset + p.start);
          if (planted) continue;
          tally.get(f.typeId)!.fp++;
          const decoy = doc.planted.find((p) => f.offset < p.offset + p.end && f.offset + f.length > p.offset + p.start);
          problems.push(
            `false ${f.typeId} (${f.confidence}: ${f.why.join(', ')}) on ${decoy ? `near miss "${decoy.decoy}": ${decoy.text.slice(0, 100)}` : `filler at ${f.line}:${f.column}`}`,
          );
        }
      }
    }
    const rows = [`${'type'.padEnd(30)} ${'precision'.padStart(9)} ${'recall'.padStart(7)} ${'false alarms'.padStart(12)}   (tp, fp, fn, near misses)`];
    const failures: string[] = [];
    for (const [type, { tp, fn, fp, negatives }] of tally) {
      const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
      const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
      const falseAlarms = fp / Math.max(1, negatives);
      rows.push(
        `${type.padEnd(30)} ${precision.toFixed(3).padStart(9)} ${recall.toFixed(3).padStart(7)} ${(falseAlarms * 100).toFixed(1).padStart(11)}%   (${tp}, ${fp}, ${fn}, ${negatives})`,
      );
      if (tp === 0) failures.push(`${type}: the corpus plants none`);
      if (negatives === 0) failures.push(`${type}: the corpus plants no near misses`);
      if (precision < MIN_PRECISION || recall < MIN_RECALL || falseAlarms > MAX_FALSE_ALARMS) {
        failures.push(
          `${type}: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}, false alarms ${(falseAlarms * 100).toFixed(1)}%\n${problems
            .filter((p) => p.includes(` ${type}`))
            .slice(0, 10)
            .join('\n')}`,
        );
      }
    }
    rows.push('', `${'family (issue 25)'.padEnd(70)} ${'found'.padStart(9)} ${'near misses reported'.padStart(21)}`);
    for (const [name, f] of [...families].sort()) {
      rows.push(`${name.padEnd(70)} ${`${f.found}/${f.positives}`.padStart(9)} ${`${f.reported}/${f.nearMisses}`.padStart(21)}`);
      if (f.positives > 0 && f.found / f.positives < MIN_RECALL) failures.push(`family ${name}: found ${f.found} of ${f.positives}`);
      if (f.nearMisses > 0 && f.reported / f.nearMisses > MAX_FALSE_ALARMS)
        failures.push(`family ${name}: ${f.reported} of ${f.nearMisses} near misses reported`);
    }
    // The tables, printed by every run (the bars are asserted below).
    console.log(rows.join('\n'));
    assert.deepEqual(failures, []);
  });

  it(`a window scanned alone agrees with the full scan ${DETECTOR_REACH} characters inside its edges`, () => {
    // What an incremental rescan relies on: no built-in detector looks further (email lists count the whole
    // text, private keys span up to PRIVATE_KEY_REACH: both left out here).
    const local = (f: Finding) => f.typeId !== 'email-list' && f.typeId !== 'private-key';
    const r = rng(9);
    const key = (f: Finding, shift: number) => `${f.typeId}@${f.offset + shift}+${f.length} ${f.confidence} ${f.excerpt}`;
    let compared = 0;
    for (const doc of labelledCorpus(4)) {
      const full = scanText(doc.text).filter(local);
      for (let i = 0; i < 8; i++) {
        const a = Math.floor(r() * doc.text.length * 0.6);
        const b = Math.min(doc.text.length, a + 2 * DETECTOR_REACH + Math.floor(r() * 6000));
        const inside = (f: Finding, shift: number) => f.offset + shift >= a + DETECTOR_REACH && f.offset + shift + f.length <= b - DETECTOR_REACH;
        const expected = full.filter((f) => inside(f, 0)).map((f) => key(f, 0));
        const got = scanText(doc.text.slice(a, b))
          .filter((f) => local(f) && inside(f, a))
          .map((f) => key(f, a));
        assert.deepEqual(got, expected, `window ${a}..${b}`);
        compared += expected.length;
      }
    }
    assert.ok(compared > 100, `compared ${compared} findings`);
  });

  it('every type has near misses in the corpus, and they are not reported', () => {
    for (const type of Object.keys(POSITIVES)) assert.ok(NEAR_MISSES[type], `${type} has near misses`);
  });

  it('the entropy thresholds separate generated secrets from placeholders', (t) => {
    // The evidence behind SECRET_MIN_ENTROPY and PASSWORD_MIN_ENTROPY, from the same generator.
    const r = rng(5);
    const values = (kind: 'secret' | 'password' | 'placeholder') =>
      Array.from({ length: 300 }, () => {
        const s = POSITIVES['secret-assignment']!(r);
        return { text: s.text.slice(s.start, s.end), name: s.text };
      }).filter((v) => (kind === 'password') === /pass/i.test(v.name));
    const secrets = values('secret').map((v) => shannonEntropy(v.text));
    const passwords = values('password').map((v) => shannonEntropy(v.text));
    const placeholders = ['changeme', 'password', 'secret', 'your-api-key-here', 'abcabcabcabcabcabc', 'example', 'xxxxxxxx', 'replace_me'].map(shannonEntropy);
    t.diagnostic(
      `secrets: min entropy ${Math.min(...secrets).toFixed(2)} (threshold ${SECRET_MIN_ENTROPY}); passwords: min ${Math.min(...passwords).toFixed(2)} (threshold ${PASSWORD_MIN_ENTROPY}); placeholders: max ${Math.max(...placeholders).toFixed(2)}`,
    );
    assert.ok(Math.min(...secrets) >= SECRET_MIN_ENTROPY - 0.5, 'hex secrets have their own, lower bar of 3.0');
    assert.ok(Math.min(...passwords) >= PASSWORD_MIN_ENTROPY);
  });
});
