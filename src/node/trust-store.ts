/**
 * What this user trusts, kept in $SENSITIVITY_HOME (never in a workspace, which others can write): the
 * people pinned (`pins.json`) and the workspace key sets accepted (`accepted-keys.json`). Both files are
 * read-modify-written under their lock and replaced atomically (mode 0600), like the other home stores.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { KeyAcceptance, OrganisationPins, PinStore } from '../core/app/index.js';
import { SensitivityError } from '../core/errors.js';
import { parsePins, pinIn, pinnedByEmail, pinnedById, pinnedOrganisation, serializePins, withOrganisation, type PinBook } from '../core/pins.js';
import { checkVersion, parseJsonText } from '../core/policy/schema.js';
import { withLock } from './lock.js';
import { readTextIfExists, writeFileAtomic } from './node-io.js';
import { parsingFile } from './workspace.js';

export const pinsPath = (home: string) => join(home, 'pins.json');
export const acceptedKeysPath = (home: string) => join(home, 'accepted-keys.json');

/** Read-modify-write of a home file under its lock; `change` returns the next value, or undefined to write nothing. */
async function updateHomeFile<T, R>(
  home: string,
  path: string,
  parse: (text: string | undefined) => T,
  serialize: (value: T) => string,
  change: (value: T) => { next?: T; result: R },
): Promise<R> {
  await fs.mkdir(home, { recursive: true, mode: 0o700 });
  return withLock(path, async () => {
    const text = await readTextIfExists(path);
    const { next, result } = change(parsingFile(path, () => parse(text)));
    if (next !== undefined) await writeFileAtomic(path, serialize(next), 0o600);
    return result;
  });
}

/** The pins in `home/pins.json`, each new or changed pin dated by `clock`. */
export function homePins(home: string, clock: { now(): Date } = { now: () => new Date() }): PinStore {
  const path = pinsPath(home);
  const read = async (): Promise<PinBook> => {
    const text = await readTextIfExists(path);
    return parsingFile(path, () => parsePins(text, path));
  };
  return {
    byId: async (id) => pinnedById(await read(), id),
    byEmail: async (email) => pinnedByEmail(await read(), email),
    pinnedSince: async (id) => (await read()).since?.[id],
    pin: (identity, options) =>
      updateHomeFile(
        home,
        path,
        (t) => parsePins(t, path),
        serializePins,
        (book) => {
          const { outcome, book: next } = pinIn(book, identity, options?.confirmChange ?? false, clock.now().toISOString());
          return { result: outcome, ...(next === book ? {} : { next }) };
        },
      ),
  };
}

/** The organisations' certification keys pinned in `home/pins.json` (beside the people). */
export function homeOrganisationPins(home: string, clock: { now(): Date } = { now: () => new Date() }): OrganisationPins {
  const path = pinsPath(home);
  return {
    async get(url) {
      const text = await readTextIfExists(path);
      return pinnedOrganisation(
        parsingFile(path, () => parsePins(text, path)),
        url,
      );
    },
    pin: (url, key, fingerprint) =>
      updateHomeFile(
        home,
        path,
        (t) => parsePins(t, path),
        serializePins,
        (book) => ({ result: undefined, next: withOrganisation(book, { url, key, fingerprint, pinnedAt: clock.now().toISOString() }) }),
      ),
  };
}

interface AcceptedKeys {
  readonly version: 1;
  /** digest → when accepted and the fingerprints shown then. */
  readonly accepted: Readonly<Record<string, { readonly at: string; readonly keys: readonly string[] }>>;
}

const NO_KEYS: AcceptedKeys = { version: 1, accepted: {} };

function parseAccepted(text: string | undefined, path: string): AcceptedKeys {
  if (text === undefined) return NO_KEYS;
  const what = 'invalid accepted keys file';
  const json = parseJsonText(text, 'E_POLICY_INVALID', what, path);
  checkVersion(json, 1, what, path);
  const accepted = (json as { accepted?: unknown }).accepted;
  if (typeof accepted !== 'object' || accepted === null || Array.isArray(accepted)) {
    throw new SensitivityError('E_POLICY_INVALID', `${what}: /accepted: must be an object`, path);
  }
  return { version: 1, accepted: accepted as AcceptedKeys['accepted'] };
}

/** The workspace key sets accepted in `home/accepted-keys.json`; `mode: 'ignore'` never uses workspace keys. */
export function homeAcceptance(home: string, mode: KeyAcceptance['mode'] = 'ask', clock: { now(): Date } = { now: () => new Date() }): KeyAcceptance {
  const path = acceptedKeysPath(home);
  return {
    mode,
    async isAccepted(digest) {
      const text = await readTextIfExists(path);
      return Object.hasOwn(parseAccepted(text, path).accepted, digest);
    },
    accept: (digest, keys) =>
      updateHomeFile(
        home,
        path,
        (t) => parseAccepted(t, path),
        (v) => JSON.stringify(v, null, 2) + '\n',
        (v) => ({ result: undefined, next: { version: 1 as const, accepted: { ...v.accepted, [digest]: { at: clock.now().toISOString(), keys } } } }),
      ),
  };
}
