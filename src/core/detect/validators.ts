/** Checksums and range rules that cut false positives: Luhn, card issuers, IBAN mod-97, US SSN. */

/** Luhn (ISO/IEC 7812-1 annex B) over a string of ASCII digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

interface Issuer {
  readonly name: string;
  /** Inclusive IIN prefix ranges, compared on the first `digits` digits. */
  readonly ranges: readonly (readonly [number, number])[];
  readonly lengths: readonly number[];
}

const range = (lo: number, hi = lo): readonly [number, number] => [lo, hi];
const lengths = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/** Issuer identification number ranges and lengths of the card networks (ISO/IEC 7812 IINs as the networks publish them). */
const ISSUERS: readonly Issuer[] = [
  { name: 'Visa', ranges: [range(4)], lengths: [13, 16, 19] },
  { name: 'Mastercard', ranges: [range(51, 55), range(2221, 2720)], lengths: [16] },
  { name: 'American Express', ranges: [range(34), range(37)], lengths: [15] },
  { name: 'Discover', ranges: [range(6011), range(644, 649), range(65), range(622126, 622925)], lengths: lengths(16, 19) },
  { name: 'JCB', ranges: [range(3528, 3589)], lengths: lengths(16, 19) },
  { name: 'Diners Club', ranges: [range(300, 305), range(3095), range(36), range(38, 39)], lengths: lengths(14, 19) },
  { name: 'UnionPay', ranges: [range(62)], lengths: lengths(16, 19) },
  { name: 'Maestro', ranges: [range(5018), range(5020), range(5038), range(5893), range(6304), range(6759), range(6761, 6763)], lengths: lengths(13, 19) },
  { name: 'Mir', ranges: [range(2200, 2204)], lengths: lengths(16, 19) },
  { name: 'UATP', ranges: [range(1)], lengths: [15] },
  { name: 'Dankort', ranges: [range(5019)], lengths: [16] },
  { name: 'RuPay', ranges: [range(60), range(65), range(81, 82), range(508), range(353), range(356)], lengths: [16] },
  { name: 'Troy', ranges: [range(9792)], lengths: [16] },
  { name: 'Verve', ranges: [range(506099, 506198), range(650002, 650027)], lengths: [16, 18, 19] },
  {
    name: 'Elo',
    ranges: [
      range(401178),
      range(401179),
      range(438935),
      range(457631),
      range(457632),
      range(431274),
      range(451416),
      range(457393),
      range(504175),
      range(506699, 506778),
      range(509000, 509999),
      range(627780),
      range(636297),
      range(636368),
      range(650031, 650033),
      range(650035, 650051),
      range(650405, 650439),
      range(650485, 650538),
      range(650541, 650598),
      range(650700, 650718),
      range(650720, 650727),
      range(650901, 650978),
      range(651652, 651679),
      range(655000, 655019),
      range(655021, 655058),
    ],
    lengths: [16],
  },
  { name: 'Hipercard', ranges: [range(606282), range(3841)], lengths: lengths(16, 19) },
  { name: 'InterPayment', ranges: [range(636)], lengths: lengths(16, 19) },
  { name: 'InstaPayment', ranges: [range(637, 639)], lengths: [16] },
  { name: 'BORICA', ranges: [range(2205)], lengths: [16] },
  { name: 'UzCard', ranges: [range(8600)], lengths: [16] },
  { name: 'Humo', ranges: [range(9860)], lengths: [16] },
  { name: 'LankaPay', ranges: [range(357111)], lengths: [16] },
];

/** The card network whose IIN range and length fit `digits`, or undefined. */
export function cardIssuer(digits: string): string | undefined {
  for (const issuer of ISSUERS) {
    if (!issuer.lengths.includes(digits.length)) continue;
    for (const [lo, hi] of issuer.ranges) {
      const p = Number(digits.slice(0, String(lo).length));
      if (p >= lo && p <= hi) return issuer.name;
    }
  }
  return undefined;
}

/** Numbers the networks and payment processors publish for testing: real shape, never a real card. */
const TEST_CARDS = new Set([
  '4111111111111111',
  '4242424242424242',
  '4012888888881881',
  '4222222222222',
  '4000056655665556',
  '4000000000000002',
  '4000000000000077',
  '4000000000003220',
  '5555555555554444',
  '5105105105105100',
  '5200828282828210',
  '2223003122003222',
  '378282246310005',
  '371449635398431',
  '378734493671000',
  '6011111111111117',
  '6011000990139424',
  '3530111333300000',
  '3566002020360505',
  '30569309025904',
  '38520000023237',
  '36227206271667',
  '6200000000000005',
  '6555900000604105',
]);

/** Why `digits` is a stand-in rather than a card: a processor's published test number or three or fewer distinct digits (4242…). */
export function testCard(digits: string): string | undefined {
  if (TEST_CARDS.has(digits)) return "card networks' test numbers";
  return new Set(digits).size <= 3 ? 'repeated digits' : undefined;
}

/** IBAN length per country (SWIFT IBAN registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** The IBAN length of a country code, or undefined when the country has no IBAN. */
export function ibanLength(country: string): number | undefined {
  return Object.hasOwn(IBAN_LENGTHS, country) ? IBAN_LENGTHS[country] : undefined;
}

/** ISO 13616 mod-97 check of the number with every A–Z as 10–35 (`iban` compact, upper case). */
export function mod97(iban: string): boolean {
  if (iban.length < 5) return false;
  const s = iban.slice(4) + iban.slice(0, 4);
  let r = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) r = (r * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) r = (r * 100 + (c - 55)) % 97;
    else return false;
  }
  return r === 1;
}

/** A full IBAN check: known country, its length, check digits 02–98 and mod-97 (compact form). */
export function validIban(iban: string): boolean {
  const check = Number(iban.slice(2, 4));
  return ibanLength(iban.slice(0, 2)) === iban.length && check >= 2 && check <= 98 && mod97(iban);
}

/** Numbers the SSA voided or that circulated as advertising examples. */
const INVALID_SSNS = new Set(['078051120', '219099999', '123456789', '457555462']);

/**
 * US SSN rules (SSA, since randomization in 2011 too): area not 000, 666 or 900–999, group not 00,
 * serial not 0000, not a known voided example, not one repeated digit. `digits` is 9 digits.
 */
export function validSsn(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = Number(digits.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (digits.slice(3, 5) === '00' || digits.slice(5) === '0000') return false;
  return !INVALID_SSNS.has(digits) && new Set(digits).size > 1;
}

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 (ISO-HDLC, as zlib) of ASCII text. */
export function crc32(ascii: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < ascii.length; i++) c = CRC_TABLE[(c ^ ascii.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * GitHub's token checksum (github.blog, 2021-04-05 "Behind GitHub's new authentication token formats"):
 * the last 6 characters are the base62 CRC-32 of the 30 random ones after the `gh?_` prefix.
 */
export function githubChecksumOk(token: string): boolean {
  const body = token.slice(4, -6);
  let sum = 0;
  for (const ch of token.slice(-6)) {
    const v = BASE62.indexOf(ch);
    if (v < 0) return false;
    sum = sum * 62 + v;
  }
  return sum === crc32(body);
}
