/**
 * How strong a passphrase is, estimated the way zxcvbn thinks about it, in a few lines: length alone says
 * little (`12345678` has eight characters and no secret), so runs, keyboard and alphabet sequences and the
 * passwords everyone tries first count for almost nothing, and the rest counts by the alphabet it draws on.
 * An identity file guards private keys against offline guessing (PBES2 with 600 000 iterations): we ask
 * for about 50 bits, e.g. four random words or twelve mixed characters.
 */
import { SensitivityError } from './errors.js';

/** Fewer characters than this is refused whatever they are. */
export const MIN_PASSPHRASE_LENGTH = 10;
/** Estimated bits below which a passphrase is refused. */
export const MIN_PASSPHRASE_BITS = 50;

// The first guesses of every cracking list (lower-cased, digits and symbols stripped before the match).
const COMMON = new Set([
  'password',
  'passw',
  'passwort',
  'motdepasse',
  'contrasena',
  'qwerty',
  'qwertz',
  'azerty',
  'letmein',
  'welcome',
  'admin',
  'administrator',
  'iloveyou',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'sunshine',
  'princess',
  'master',
  'secret',
  'changeme',
  'default',
  'login',
  'abc',
  'trustno',
  'shadow',
  'superman',
  'starwars',
  'whatever',
  'hello',
  'freedom',
  'sensitivity',
  'passphrase',
]);

const SEQUENCES = ['abcdefghijklmnopqrstuvwxyz', '01234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'qwertzuiop', 'azertyuiop'];

/** True when `a` and `b` are neighbours in one of the sequences (either direction). */
function adjacent(a: string, b: string): boolean {
  return SEQUENCES.some((s) => {
    const i = s.indexOf(a);
    return i >= 0 && (s[i + 1] === b || s[i - 1] === b);
  });
}

/** The alphabet a character draws from, by size. */
function poolOf(c: string): number {
  if (/[a-z]/.test(c)) return 26;
  if (/[A-Z]/.test(c)) return 26;
  if (/[0-9]/.test(c)) return 10;
  if (/[\x20-\x7e]/.test(c)) return 33;
  return 100;
}

/** Estimated bits of a passphrase (see the module comment). */
export function passphraseBits(passphrase: string): number {
  const chars = [...passphrase.normalize('NFC')];
  const lower = chars.join('').toLowerCase();
  if (COMMON.has(lower.replace(/[^\p{L}]/gu, ''))) return 0;
  const pools = new Set(chars.map(poolOf));
  const perChar = Math.log2([...pools].reduce((n, p) => n + p, 0) || 1);
  let bits = 0;
  for (let i = 0; i < chars.length; i++) {
    const prev = lower[i - 1];
    const c = lower[i]!;
    // A repeat or the next step of a sequence is one more guess, not a new character.
    bits += prev !== undefined && (prev === c || adjacent(prev, c)) ? 1 : perChar;
  }
  return Math.round(bits);
}

/** Why `passphrase` is too weak to guard private keys, or undefined when it is strong enough. */
export function passphraseProblem(passphrase: string): string | undefined {
  const length = [...passphrase.normalize('NFC')].length;
  const bits = passphraseBits(passphrase);
  if (length >= MIN_PASSPHRASE_LENGTH && bits >= MIN_PASSPHRASE_BITS) return undefined;
  return `the passphrase is too easy to guess (about ${bits} bits; at least ${MIN_PASSPHRASE_LENGTH} characters and ${MIN_PASSPHRASE_BITS} bits are needed): use four or more random words, or twelve mixed characters`;
}

/** E_USAGE, saying what would be enough, when `passphrase` is too short or too guessable. */
export function requireStrongPassphrase(passphrase: string): void {
  const problem = passphraseProblem(passphrase);
  if (problem) throw new SensitivityError('E_USAGE', problem, undefined, { details: { bits: passphraseBits(passphrase), minimumBits: MIN_PASSPHRASE_BITS } });
}
