/** Tokens with an issuer's prefix and shape: GitHub, Slack, Stripe, Google API keys. */
import { decodeJsonObject, isPlaceholder, isWordCode, shannonEntropy } from './text.js';
import { githubChecksumOk } from './validators.js';
import { P_TOKEN, TYPES, WHY, isAlnum, isB64UrlCode, tokenDetector, type Detector, type Verdict } from './detector.js';
import { placeholderVerdict, sampleVerdict } from './samples.js';

// ---- GitHub ------------------------------------------------------------------------------------

const GITHUB = /gh[pousr]_[A-Za-z0-9]{36}/g;
const GITHUB_PAT = /github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}/g;
const GITHUB_KIND: Readonly<Record<string, string>> = {
  p: 'personal access token',
  o: 'OAuth token',
  u: 'user-to-server token',
  s: 'server-to-server token',
  r: 'refresh token',
};

/**
 * GitHub's formats (github.blog 2021-04-05 "Behind GitHub's new authentication token formats"): `gh?_`, 30
 * random base62 characters and a base62 CRC-32 of them. Fine-grained tokens (`github_pat_`, 22-character
 * id, `_`, 59 characters) carry no published checksum: their shape is what is checked.
 */
function validateGithub(v: string): Verdict | undefined {
  const fineGrained = v.startsWith('github_pat_');
  if (isPlaceholder(fineGrained ? v.slice(11) : v.slice(4))) return undefined;
  if (fineGrained) return { confidence: 'high', why: [WHY.prefix('github_pat_ (fine-grained token)'), WHY.structure('22-character id, 59-character secret')] };
  const prefix = WHY.prefix(`${v.slice(0, 4)} (${GITHUB_KIND[v[2]!]})`);
  return githubChecksumOk(v)
    ? { confidence: 'high', why: [prefix, WHY.checksum('CRC-32')] }
    : { confidence: 'low', why: [prefix, WHY.checksumFailed('CRC-32')] };
}

/** `gh?_` before `_`: p, o, u, s, r. */
const isGithubKind = (c: number): boolean => c === 112 || c === 111 || c === 117 || c === 115 || c === 114;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** GitHub caps token length at 255 (docs.github.com "About authentication to GitHub", token formats). */
const GITHUB_MAX = 255;
/** A body this long is a newer, longer format; 37 to 59 characters is a classic token with something glued on. */
const GITHUB_LONG = 60;
/** A stateless app installation token: `ghs_`, the app id, `_`, a JWT (docs.github.com, 2026 format). */
const GITHUB_STATELESS = /^ghs_\d{1,12}_(eyJ[A-Za-z0-9_-]{8,2048})\.(eyJ[A-Za-z0-9_-]{8,4096})\.([A-Za-z0-9_-]{16,2048})/;

/** The end of the run of `isCode` characters from `i`, looking at most `max` ahead. */
function runEnd(text: string, i: number, max: number, isCode: (c: number) => boolean): number {
  const stop = Math.min(text.length, i + max + 1);
  while (i < stop && isCode(text.charCodeAt(i))) i++;
  return i;
}

/** A token far longer than the 2021 format's 36 characters (GitHub reserves up to 255): shape and randomness, no published checksum. */
function validateLongGithub(v: string): Verdict | undefined {
  const body = v.slice(4);
  const h = shannonEntropy(body);
  if (isPlaceholder(body) || h < 4) return undefined;
  return {
    confidence: 'medium',
    why: [
      WHY.prefix(`${v.slice(0, 4)} (${GITHUB_KIND[v[2]!]})`),
      `${body.length} characters, longer than the 36 of the 2021 format: no published checksum`,
      WHY.entropy(h),
    ],
  };
}

/** `ghs_<app id>_<JWT>`: the JWT's header and payload must decode as JSON objects. */
function validateStateless(m: RegExpExecArray): Verdict | undefined {
  if (!decodeJsonObject(m[1]!) || !decodeJsonObject(m[2]!)) return undefined;
  return {
    confidence: 'high',
    why: [WHY.prefix('ghs_ (server-to-server token)'), WHY.structure('stateless installation token: app id, then a JWT that decodes')],
  };
}

/**
 * Classic tokens: each `_` found with `indexOf` and `gh?` looked for before it — `_` is far rarer than `g`,
 * which makes this 5× faster than a pass of GITHUB (kept as the candidate pattern the benchmark hands ripgrep).
 * Then by shape: 36 characters (checksum), `ghs_<app id>_<JWT>`, or longer (to 255).
 */
export const githubClassic: Detector = {
  types: [TYPES.github],
  candidates: [GITHUB],
  find(text, out) {
    for (let i = text.indexOf('_'); i !== -1; i = text.indexOf('_', i + 1)) {
      if (!isGithubKind(text.charCodeAt(i - 1)) || text.charCodeAt(i - 2) !== 104 || text.charCodeAt(i - 3) !== 103) continue;
      const start = i - 3;
      if (start > 0 && isWordCode(text.charCodeAt(start - 1))) continue;
      const push = (end: number, verdict: Verdict | undefined, keepStart = 4): void => {
        if (verdict) out.push({ type: TYPES.github, start, end, priority: P_TOKEN, reveal: { keepStart, keepEnd: 2 }, ...verdict });
      };
      const j = runEnd(text, i + 1, GITHUB_MAX, isAlnum);
      if (text.charCodeAt(i - 1) === 115 && text.charCodeAt(j) === 95 && isDigit(text.charCodeAt(i + 1)) && text.startsWith('eyJ', j + 1)) {
        const end = runEnd(text, j + 1, 8192, (c) => isB64UrlCode(c) || c === 46);
        const m = GITHUB_STATELESS.exec(text.slice(start, end));
        if (m) push(start + m[0].length, validateStateless(m));
        i = end - 1;
        continue;
      }
      if (isWordCode(text.charCodeAt(j))) continue;
      const length = j - i - 1;
      if (length === 36) push(j, validateGithub(text.slice(start, j)));
      else if (length >= GITHUB_LONG && length <= GITHUB_MAX) push(j, validateLongGithub(text.slice(start, j)));
      i = j - 1;
    }
  },
};
export const githubFineGrained = tokenDetector(TYPES.github, GITHUB_PAT, isWordCode, validateGithub, { keepStart: 11, keepEnd: 2 }, ['_pat_']);

// ---- Slack -------------------------------------------------------------------------------------

/**
 * A token ends where its alphabet does, at a delimiter: one followed by a character that no text puts between a
 * token and a word (`?`, `!`, `^`, `~`, `$`, `*`) and more token characters (`xoxr-8334…?2461…`) is a longer
 * run that Slack did not issue, so no prefix of it is read as a shorter token type.
 */
const SLACK =
  /(?:xox[a-z](?:\.xox[a-z])?|xapp)-[0-9A-Za-z-]{8,250}(?![?!^~$*][0-9A-Za-z])|hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/]{20,160}/g;

/** Slack's token and webhook shapes (api.slack.com "Token types", "Incoming webhooks", "Workflow triggers"), each whole. */
const SLACK_SHAPES: readonly { readonly re: RegExp; readonly what: string }[] = [
  { re: /^xoxb-\d{8,14}-\d{8,14}-[A-Za-z0-9]{20,34}$/, what: 'bot token: team id, bot id, secret' },
  { re: /^xoxb-\d{8,14}-[A-Za-z0-9]{18,34}$/, what: 'legacy bot token: id, secret' },
  { re: /^xox[pe]-\d{8,14}-\d{8,14}-\d{8,14}-[A-Za-z0-9]{28,34}$/, what: 'user token: team, user and token ids, secret' },
  { re: /^xoxc-\d{8,14}-\d{8,14}-\d{8,14}-[a-f0-9]{64}$/, what: 'client token: three ids, 64 hex' },
  // Legacy ids are workspace-scale numbers: five digits at least (a 4-digit id is a made-up one).
  { re: /^xox[aposr]-(?:\d-)?\d{5,14}-\d{5,14}-\d{5,14}-[A-Fa-f0-9]{6,64}$/, what: 'legacy token: three numeric ids, hex secret' },
  { re: /^xox[ar]-(?:\d-)?[A-Za-z0-9]{8,48}$/, what: 'workspace app or refresh token' },
  { re: /^xox[ar]-2-\d{8,14}-\d{8,14}-\d{8,14}-[A-Za-z0-9]{20,64}$/, what: 'workspace app token, version 2' },
  { re: /^xapp-\d-[A-Z0-9]{8,12}-\d{10,14}-[a-f0-9]{64}$/, what: 'app-level token: version, app id, id, 64 hex' },
  { re: /^xoxe\.xox[bp]-\d-[A-Za-z0-9]{150,180}$/, what: 'rotating access token xoxe.xox?-' },
  { re: /^xoxe-\d-[A-Za-z0-9]{130,160}$/, what: 'refresh token xoxe-' },
  { re: /^hooks\.slack\.com\/services\/[TE][A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{23,25}$/, what: 'incoming webhook: workspace, bot, secret' },
  {
    re: /^hooks\.slack\.com\/workflows\/[TE][A-Z0-9]{6,12}\/A[A-Z0-9]{6,12}\/\d{15,20}\/[A-Za-z0-9]{23,25}$/,
    what: 'workflow webhook: workspace, app, id, secret',
  },
  { re: /^hooks\.slack\.com\/triggers\/[TE][A-Z0-9]{6,12}\/\d{10,20}\/[a-f0-9]{32}$/, what: 'workflow trigger: workspace, id, 32 hex' },
];
/**
 * Shapes seen in the wild but not documented, reported one step lower: a numeric id and a long secret; an
 * app-level token whose secret is shorter than 64 hex; two numeric segments (`xoxb-<id>-<digits>`).
 */
const SLACK_LOOSE: readonly { readonly re: RegExp; readonly what: string }[] = [
  { re: /^xox[abposrc]-\d{6,}-(?:[0-9A-Za-z]+-)*[0-9A-Za-z]{20,}$/, what: 'numeric id and a long secret, no documented shape' },
  { re: /^xapp-\d-[A-Z0-9]{8,12}-\d{10,14}-[A-Za-z0-9]{16,63}$/, what: 'app-level token with a secret shorter than 64 hex' },
  { re: /^xox[abo]-\d{8,14}-\d{10,14}$/, what: 'two numeric segments: id and a numeric secret' },
];

function validateSlack(v: string): Verdict | undefined {
  const sample = sampleVerdict(v);
  if (sample) return sample;
  const secret = v.slice(v.search(/[^-/]+$/));
  if (isPlaceholder(secret)) return undefined;
  const prefix = WHY.prefix(v.startsWith('hooks.') ? v.slice(0, v.indexOf('/', 16) + 1) : v.slice(0, v.indexOf('-') + 1));
  const shape = SLACK_SHAPES.find((s) => s.re.test(v));
  if (shape) return { confidence: 'high', why: [prefix, WHY.structure(shape.what)] };
  const loose = SLACK_LOOSE.find((s) => s.re.test(v));
  const h = shannonEntropy(secret);
  // Digits carry at most log2(10) ≈ 3.3 bits a character and hex 4: their secrets have lower bars (digits: variety).
  const random = /^\d+$/.test(secret) ? new Set(secret).size >= 5 : h >= (/^[a-f0-9]+$/i.test(secret) ? 3 : 3.5);
  if (loose && random) return { confidence: 'medium', why: [prefix, loose.what, WHY.entropy(h)] };
  // A Slack prefix and numeric ids in no shape (4-digit ids, a short secret): a look-alike, shown low so that
  // the generic assignment rule does not report it again as a secret.
  return /^xox[abposrce]-\d+-/.test(v) ? { confidence: 'low', why: [prefix, 'Slack prefix and numeric ids in no Slack shape (a look-alike)'] } : undefined;
}

// `k.com/` stands for `hooks.slack.com/`: searching for the whole URL cost 3× as much in text without it.
export const slack = tokenDetector(TYPES.slack, SLACK, (c) => isAlnum(c) || c === 45, validateSlack, { keepStart: 5, keepEnd: 2 }, ['xox', 'xapp-', 'k.com/']);

// ---- Stripe, Google ----------------------------------------------------------------------------

/** A token whose prefix says what it is and whose body must look random (no checksum is published). */
function prefixedRandom(prefix: string, body: string): Verdict | undefined {
  const h = shannonEntropy(body);
  return isPlaceholder(body) || h < 3.5 ? undefined : { confidence: 'high', why: [WHY.prefix(prefix), WHY.entropy(h)] };
}

export const stripe = tokenDetector(
  TYPES.stripe,
  /[sr]k_live_[0-9A-Za-z]{24,247}/g,
  isWordCode,
  (v) => prefixedRandom(v.startsWith('s') ? 'sk_live_ (secret key)' : 'rk_live_ (restricted key)', v.slice(8)),
  { keepStart: 8, keepEnd: 2 },
  ['_live_'],
);

/**
 * `AIza` and 35 characters, 39 in all; one followed by `=` is not a key but a run of base64 with its padding
 * (`AIza…==` is the base64 of bytes that happen to encode so), whatever its length.
 */
export const google = tokenDetector(
  TYPES.google,
  /AIza[0-9A-Za-z_-]{35}(?!=)/g,
  isB64UrlCode,
  (v) => sampleVerdict(v) ?? placeholderVerdict(v.slice(4)) ?? prefixedRandom('AIza, 39 characters', v.slice(4)),
  { keepStart: 4, keepEnd: 2 },
  ['AIza'],
);
