/**
 * Pins (in the manner of SSH's known_hosts and Signal's safety numbers): the identities this user has
 * shared with or added, kept in their home folder. The first identity seen for an email or id is pinned;
 * another key for a pinned email, or another email or encryption key for a pinned id, is a key change,
 * refused until the user confirms it. The pure rules; hosts keep the book (src/node/pins.ts).
 */
import { SensitivityError } from './errors.js';
import { fingerprint } from './fingerprint.js';
import type { PublicIdentity } from './identity.js';
import { parsePublicIdentity } from './people.js';
import { checkVersion, DATE_TIME, parseJsonText } from './policy/schema.js';

/** The pinned identities (`pins.json` in $SENSITIVITY_HOME). */
export interface PinBook {
  readonly version: 1;
  readonly pins: readonly PublicIdentity[];
  /** Organisations' certification keys, pinned on first use of their directory. */
  readonly organisations?: readonly PinnedOrganisation[];
  /** When each identity (by id) was pinned, ISO 8601; pins older than this record have none. */
  readonly since?: Readonly<Record<string, string>>;
}

/** An organisation's certification key (EC P-256 public JWK), pinned for its service URL. */
export interface PinnedOrganisation {
  readonly url: string;
  readonly key: { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string };
  /** The key's RFC 7638 thumbprint as six groups of five digits. */
  readonly fingerprint: string;
  readonly pinnedAt: string;
}

export type PinOutcome = 'new' | 'same' | 'changed';

export const EMPTY_PINS: PinBook = { version: 1, pins: [] };

/**
 * Same person as pinned: same signing key (id) for the same email. A new encryption key under the same
 * id is no change to confirm: the id's own key signed it (the caller verified the proof).
 */
const samePerson = (a: PublicIdentity, b: PublicIdentity) => a.id === b.id && a.email === b.email;

/** The pinned identity with this id. */
export const pinnedById = (book: PinBook, id: string) => book.pins.find((p) => p.id === id);

/** The pinned identity with this (normalised) email. */
export const pinnedByEmail = (book: PinBook, email: string) => book.pins.find((p) => p.email === email.trim().toLowerCase());

/** `since` kept for the ids still pinned, with `id` pinned `at` (when given). */
function sinceFor(book: PinBook, pins: readonly PublicIdentity[], id: string, at: string | undefined): Record<string, string> | undefined {
  const kept = Object.fromEntries(Object.entries(book.since ?? {}).filter(([k]) => k !== id && pins.some((p) => p.id === k)));
  const since = at === undefined ? kept : { ...kept, [id]: at };
  return Object.keys(since).length ? since : undefined;
}

/**
 * Pins `identity` (its proof verified by the caller) in `book`: the outcome and the book to keep (for
 * 'same', the newer signed document when it differs). A pinned email or id with other keys is E_KEY_CHANGED (details: both fingerprints) unless
 * `confirmChange`: then the old pins of that email and id are replaced. `at` (ISO 8601) records when a new or changed pin was made.
 */
export function pinIn(book: PinBook, identity: PublicIdentity, confirmChange = false, at?: string): { outcome: PinOutcome; book: PinBook } {
  const pinned = [pinnedByEmail(book, identity.email), pinnedById(book, identity.id)].filter((p): p is PublicIdentity => p !== undefined);
  const others = book.pins.filter((p) => p.email !== identity.email && p.id !== identity.id);
  const pins = [...others, identity];
  const since = sinceFor(book, pins, identity.id, at);
  const next: PinBook = { version: 1, pins, ...(book.organisations ? { organisations: book.organisations } : {}), ...(since ? { since } : {}) };
  if (pinned.length === 0) return { outcome: 'new', book: next };
  const differing = pinned.find((p) => !samePerson(p, identity));
  if (!differing) return { outcome: 'same', book: pinned[0]!.proof === identity.proof ? book : { ...book, pins } };
  if (!confirmChange) {
    throw new SensitivityError(
      'E_KEY_CHANGED',
      `the key of ${identity.email} is not the one you pinned (pinned fingerprint ${fingerprint(differing.id)}${differing.email === identity.email ? '' : ` for ${differing.email}`}, ` +
        `offered ${fingerprint(identity.id)}): it may be an impostor, or they made a new identity; compare fingerprints with them`,
      undefined,
      {
        details: {
          hint: 'accept-new-key',
          email: identity.email,
          pinnedEmail: differing.email,
          pinnedId: differing.id,
          pinnedFingerprint: fingerprint(differing.id),
          newId: identity.id,
          newFingerprint: fingerprint(identity.id),
        },
      },
    );
  }
  return { outcome: 'changed', book: next };
}

/** Parses pins.json (undefined: no pins yet). E_IDENTITY_INVALID when damaged. */
export function parsePins(text: string | undefined, file?: string): PinBook {
  if (text === undefined) return EMPTY_PINS;
  const what = 'invalid pins file';
  const json = parseJsonText(text, 'E_IDENTITY_INVALID', what, file);
  checkVersion(json, 1, what, file);
  const pins = (json as { pins?: unknown }).pins;
  if (!Array.isArray(pins)) throw new SensitivityError('E_IDENTITY_INVALID', `${what}: /pins: must be an array`, file);
  const organisations = parseOrganisations((json as { organisations?: unknown }).organisations, what, file);
  const since = parseSince((json as { since?: unknown }).since, what, file);
  return {
    version: 1,
    pins: pins.map((p, i) => parsePublicIdentity(p, { at: `/pins/${i}`, what, file })),
    ...(organisations ? { organisations } : {}),
    ...(since ? { since } : {}),
  };
}

function parseSince(v: unknown, what: string, file: string | undefined): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const ok = typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((t) => typeof t === 'string' && DATE_TIME.test(t));
  if (!ok) throw new SensitivityError('E_IDENTITY_INVALID', `${what}: /since: must map identity ids to dates`, file);
  return v as Record<string, string>;
}

const b64url = (v: unknown, bytes: number) => typeof v === 'string' && v.length === Math.ceil((bytes * 4) / 3) && /^[A-Za-z0-9_-]+$/.test(v);

function parseOrganisations(v: unknown, what: string, file: string | undefined): PinnedOrganisation[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new SensitivityError('E_IDENTITY_INVALID', `${what}: /organisations: must be an array`, file);
  return v.map((o: unknown, i) => {
    const { url, key, fingerprint: fp, pinnedAt } = (o ?? {}) as Record<string, unknown>;
    const k = (key ?? {}) as Record<string, unknown>;
    if (
      typeof url !== 'string' ||
      typeof fp !== 'string' ||
      typeof pinnedAt !== 'string' ||
      k.kty !== 'EC' ||
      k.crv !== 'P-256' ||
      !b64url(k.x, 32) ||
      !b64url(k.y, 32)
    ) {
      throw new SensitivityError('E_IDENTITY_INVALID', `${what}: /organisations/${i}: must be {url, key (EC P-256), fingerprint, pinnedAt}`, file);
    }
    return { url, key: { kty: 'EC', crv: 'P-256', x: k.x as string, y: k.y as string }, fingerprint: fp, pinnedAt };
  });
}

/** The certification key pinned for the organisation at `url`. */
export const pinnedOrganisation = (book: PinBook, url: string) => book.organisations?.find((o) => o.url === url);

/** `book` with `org` pinned for its URL (replacing an older pin of that URL). */
export function withOrganisation(book: PinBook, org: PinnedOrganisation): PinBook {
  return { ...book, organisations: [...(book.organisations ?? []).filter((o) => o.url !== org.url), org] };
}

/** pins.json text, sorted by email. */
export function serializePins(book: PinBook): string {
  const pins = [...book.pins].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  const since = book.since && Object.keys(book.since).length ? { since: book.since } : {};
  return JSON.stringify({ version: 1, pins, ...(book.organisations?.length ? { organisations: book.organisations } : {}), ...since }, null, 2) + '\n';
}
