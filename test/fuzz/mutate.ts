/**
 * Mutation arbitraries (fast-check) over valid seeds: bit flips, byte sets, truncation, deletion, insertion,
 * splices from another input, and length fields or numbers set to boundary values. Positions are taken
 * modulo the input's length, so one arbitrary serves every input; fast-check shrinks a failing case to
 * fewer, smaller mutations.
 */
import fc from 'fast-check';

/** Lengths and counts where off-by-one, sign, 32-bit and float-precision bugs live. */
export const BOUNDARIES: readonly number[] = [
  ...[0, 1, 2 ** 16 - 1, 2 ** 16, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1],
  // Byte counts that become 2^25 (the format-2 limit), 2^26 … 2^28 chunks at the default 1 MiB chunks.
  ...[2 ** 45, 2 ** 45 + 1, 2 ** 46, 2 ** 47, 2 ** 48],
];
/** Also as JSON numbers in text: negative, fractional and beyond-safe values too. */
const TEXT_NUMBERS = [...BOUNDARIES.map(String), '-1', '1.5', '1e308', '2e53', '-0', '9007199254740993'];

/** A binary length field a target knows about: its offset in the input (undefined when absent) and width. */
export interface LengthField {
  readonly at: (input: Uint8Array) => number | undefined;
  readonly width: 2 | 4 | 8;
}

export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'splice'; readonly at: number; readonly from: number; readonly fromAt: number; readonly length: number }
  | { readonly kind: 'int'; readonly at: number; readonly width: 2 | 4 | 8; readonly value: number }
  | { readonly kind: 'field'; readonly which: number; readonly value: number }
  | { readonly kind: 'number'; readonly which: number; readonly text: string };

const pos = fc.nat({ max: 2 ** 24 });

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: pos, bit: fc.integer({ min: 0, max: 7 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('set' as const), at: pos, value: fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x22, 0x2e, 0x7b, 0x5b, 0x30) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: pos }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: pos, length: fc.integer({ min: 1, max: 64 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: pos,
      bytes: fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 16 }),
        fc.constantFrom(...['{}', '[]', '""', 'null', ',"x":1', '\\u0000', '\u202e'].map((s) => new TextEncoder().encode(s))),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('splice' as const), at: pos, from: fc.nat(), fromAt: pos, length: fc.integer({ min: 1, max: 512 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('int' as const),
      at: pos,
      width: fc.constantFrom(2 as const, 4 as const, 8 as const),
      value: fc.constantFrom(...BOUNDARIES),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('field' as const), which: fc.nat(), value: fc.constantFrom(...BOUNDARIES) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('number' as const), which: fc.nat(), text: fc.constantFrom(...TEXT_NUMBERS) }) },
);

/** One to four mutations of the corpus entry `pick` (modulo the corpus size at run time). */
export const caseArb = fc.record({ pick: fc.nat(), mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }) });
export type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function writeInt(out: Uint8Array, at: number, width: 2 | 4 | 8, value: number): void {
  if (at + width > out.length) return;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (width === 2) view.setUint16(at, value % 2 ** 16);
  else if (width === 4) view.setUint32(at, value % 2 ** 32);
  else view.setBigUint64(at, BigInt(value));
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Applies one mutation; `corpus` is where splices come from, `fields` the target's known length fields. */
export function mutate(input: Uint8Array, m: Mutation, corpus: readonly Uint8Array[], fields: readonly LengthField[]): Uint8Array {
  const n = input.length;
  const at = n === 0 ? 0 : 'at' in m ? m.at % n : 0;
  switch (m.kind) {
    case 'flip': {
      if (n === 0) return input;
      const out = input.slice();
      out[at] = out[at]! ^ (1 << m.bit);
      return out;
    }
    case 'set': {
      if (n === 0) return input;
      const out = input.slice();
      out[at] = m.value;
      return out;
    }
    case 'truncate':
      return input.slice(0, at);
    case 'delete':
      return concat(input.subarray(0, at), input.subarray(at + m.length));
    case 'insert':
      return concat(input.subarray(0, at), m.bytes, input.subarray(at));
    case 'splice': {
      const other = corpus[m.from % Math.max(1, corpus.length)] ?? input;
      const from = other.length === 0 ? 0 : m.fromAt % other.length;
      return concat(input.subarray(0, at), other.subarray(from, from + m.length), input.subarray(at + m.length));
    }
    case 'int': {
      const out = input.slice();
      writeInt(out, at, m.width, m.value);
      return out;
    }
    case 'field': {
      const field = fields[m.which % Math.max(1, fields.length)];
      const offset = field?.at(input);
      if (!field || offset === undefined) return input;
      const out = input.slice();
      writeInt(out, offset, field.width, m.value);
      return out;
    }
    case 'number': {
      // The which-th run of ASCII digits (a JSON number, a length in text) becomes the boundary value.
      const text = new TextDecoder('latin1').decode(input);
      const runs = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
      const run = runs[m.which % Math.max(1, runs.length)];
      if (!run || run.index === undefined) return input;
      return concat(input.subarray(0, run.index), new TextEncoder().encode(m.text), input.subarray(run.index + run[0].length));
    }
  }
}

/** The input a case describes. */
export function applyCase(c: Case, corpus: readonly Uint8Array[], fields: readonly LengthField[]): Uint8Array {
  let input = corpus[c.pick % corpus.length]!;
  for (const m of c.mutations) input = mutate(input, m, corpus, fields);
  return input;
}
