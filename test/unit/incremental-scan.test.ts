/**
 * The editor's incremental scan (src/extension/detect/incremental.ts) against the truth: after any sequence
 * of random edits (planted secrets and near misses, private keys and their END markers, email lists, typing
 * next to and inside findings, deletions), its findings equal a full scan of the new text, and most updates
 * really are incremental.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { scannerFor } from '../../src/core/detect/index.js';
import { FULL_SCAN_BELOW, IncrementalScan, stringSource, type OffsetFinding, type TextChange } from '../../src/extension/detect/incremental.js';
import { emailListSnippets, fillerLine, NEAR_MISSES, POSITIVES, privateKeys, rng, type Rng } from '../corpus/generate.js';

const scanner = scannerFor();
const scan = (text: string) => scanner.scan(text);
const strip = (f: OffsetFinding) => `${f.offset}+${f.length} ${f.typeId} ${f.confidence} ${f.excerpt}`;
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** About `size` characters of filler with a planted value or near miss every ~`spacing` characters. */
function document(r: Rng, size: number, spacing: number): string {
  const lines: string[] = [];
  let length = 0;
  while (length < size) {
    const kinds = r() < 0.5 ? POSITIVES : NEAR_MISSES;
    const line = r() * spacing < 80 ? kinds[pick(r, Object.keys(kinds))]!(r).text : fillerLine(r, false);
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

/** One random edit of `text` (whose findings are `found`), as the editor would report it. */
function randomEdit(r: Rng, text: string, found: readonly OffsetFinding[]): TextChange & { text: string } {
  const at = (o: number, rangeLength: number, insert: string) => ({ rangeOffset: o, rangeLength, textLength: insert.length, text: insert });
  const anywhere = () => int(r, 0, text.length);
  const f = found.length > 0 ? pick(r, found) : undefined;
  switch (int(r, 0, 9)) {
    case 0: {
      const kinds = r() < 0.7 ? POSITIVES : NEAR_MISSES;
      return at(anywhere(), 0, '\n' + kinds[pick(r, Object.keys(kinds))]!(r).text + '\n');
    }
    case 1:
      return at(anywhere(), 0, pick(r, privateKeys()) + '\n');
    case 2: {
      // Cut a key's END marker, or add one somewhere.
      const end = text.indexOf('-----END ');
      return end !== -1 && r() < 0.6 ? at(end, int(r, 1, 12), '') : at(anywhere(), 0, '\n-----END PRIVATE KEY-----\n');
    }
    case 3:
      return at(
        anywhere(),
        0,
        emailListSnippets(r, int(r, 3, 12))
          .map((s) => s.text)
          .join('\n'),
      );
    case 4: {
      const o = anywhere();
      return at(o, Math.min(text.length - o, int(r, 1, 300)), '');
    }
    case 5:
      // Type next to a finding (it may grow or stop matching).
      return f ? at(r() < 0.5 ? f.offset : f.offset + f.length, 0, pick(r, ['x', '7', ' ', '\n', '=', 'A'])) : at(anywhere(), 0, 'z');
    case 6:
      // Change a character inside a finding.
      return f ? at(f.offset + int(r, 0, f.length - 1), 1, pick(r, ['0', 'Q', '-', ' '])) : at(anywhere(), 0, 'q');
    case 7:
      return at(anywhere(), 0, fillerLine(r, false) + '\n');
    case 8:
      return at(anywhere(), 0, pick(r, ['password = "', 'api_key: ', 'Card number: ', 'AKIA', 'sig=', '@corp.io', 'https://u:']));
    default: {
      const o = anywhere();
      return at(o, Math.min(text.length - o, int(r, 0, 40)), pick(r, ['hello', '', 'ghp_', '-----BEGIN RSA PRIVATE KEY-----\n']));
    }
  }
}

describe('incremental scan', () => {
  it('equals a full scan after any edits (aimed at findings, keys and addresses)', () => {
    const modes = { full: 0, incremental: 0, unchanged: 0 };
    const reasons: Record<string, number> = {};
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const r = rng(seed);
        let text = document(r, FULL_SCAN_BELOW + int(r, 4_000, 60_000), 2_500);
        const inc = new IncrementalScan(scan);
        inc.update(stringSource(text));
        for (let step = 0; step < 8; step++) {
          const batch = int(r, 1, 3);
          for (let i = 0; i < batch; i++) {
            const e = randomEdit(r, text, inc.current);
            text = text.slice(0, e.rangeOffset) + e.text + text.slice(e.rangeOffset + e.rangeLength);
            inc.applyChange(e);
          }
          const got = inc.update(stringSource(text));
          modes[got.mode]++;
          if (got.reason) reasons[got.reason] = (reasons[got.reason] ?? 0) + 1;
          assert.deepEqual(got.findings.map(strip), scan(text).map(strip), `seed ${seed}, step ${step} (${got.mode})`);
        }
      }),
      { numRuns: Number(process.env.INCREMENTAL_RUNS ?? 60) },
    );
    // These edits aim at findings, keys and addresses, which often need a full scan; some must not.
    assert.ok(modes.incremental > 0, `updates: ${JSON.stringify(modes)}, full scans: ${JSON.stringify(reasons)}`);
  });

  it('typing in a large file rescans a small window and agrees with full scans', () => {
    const r = rng(2024);
    let text = document(r, 512 * 1024, 20_000);
    const inc = new IncrementalScan(scan);
    inc.update(stringSource(text));
    const modes = { full: 0, incremental: 0, unchanged: 0 };
    const reasons: Record<string, number> = {};
    let scanned = 0;
    for (let step = 0; step < 150; step++) {
      for (let i = int(r, 1, 2); i > 0; i--) {
        const o = int(r, 0, text.length - 1);
        const e =
          r() < 0.7
            ? { rangeOffset: o, rangeLength: 0, textLength: 1, text: pick(r, ['a', ' ', '\n', '1', '(']) }
            : { rangeOffset: o, rangeLength: 1, textLength: 0, text: '' };
        text = text.slice(0, e.rangeOffset) + e.text + text.slice(e.rangeOffset + e.rangeLength);
        inc.applyChange(e);
      }
      const got = inc.update(stringSource(text));
      modes[got.mode]++;
      if (got.reason) reasons[got.reason] = (reasons[got.reason] ?? 0) + 1;
      if (got.mode === 'incremental') scanned += got.scanned;
      assert.deepEqual(got.findings.map(strip), scan(text).map(strip), `step ${step} (${got.mode})`);
    }
    assert.ok(modes.incremental >= 140, `updates: ${JSON.stringify(modes)}, full scans: ${JSON.stringify(reasons)}`);
    assert.ok(scanned / modes.incremental < 32 * 1024, `an incremental update scanned ${Math.round(scanned / modes.incremental)} characters on average`);
  });

  it('scans small texts whole, and reports no work when nothing changed', () => {
    const inc = new IncrementalScan(scan);
    const text = 'Card number: 4539 1488 0343 6467\n';
    assert.equal(inc.update(stringSource(text)).mode, 'full');
    assert.equal(inc.update(stringSource(text)).mode, 'unchanged');
    inc.applyChange({ rangeOffset: 0, rangeLength: 0, textLength: 1 });
    assert.equal(inc.update(stringSource('x' + text)).mode, 'full');
  });

  it('without incremental (policy-defined types) every update is full', () => {
    const r = rng(7);
    let text = document(r, FULL_SCAN_BELOW * 2, 2_500);
    const inc = new IncrementalScan(scan, false);
    inc.update(stringSource(text));
    text = 'a' + text;
    inc.applyChange({ rangeOffset: 0, rangeLength: 0, textLength: 1 });
    assert.equal(inc.update(stringSource(text)).mode, 'full');
  });

  it('a typed key shifts findings after it and keeps their masks', () => {
    const r = rng(11);
    const card = POSITIVES['credit-card']!(r).text;
    const text = document(r, FULL_SCAN_BELOW * 2, 1e9) + card + '\n';
    const inc = new IncrementalScan(scan);
    const before = inc.update(stringSource(text)).findings;
    assert.equal(before.length, 1);
    const edited = 'x' + text;
    inc.applyChange({ rangeOffset: 0, rangeLength: 0, textLength: 1 });
    const after = inc.update(stringSource(edited));
    assert.equal(after.mode, 'incremental');
    assert.equal(after.scanned < 16_384, true, `scanned ${after.scanned}`);
    assert.deepEqual(after.findings.map(strip), [{ ...before[0]!, offset: before[0]!.offset + 1 }].map(strip));
  });
});
