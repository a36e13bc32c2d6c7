/**
 * The home folder's trust stores on disk: pins.json and accepted-keys.json are private (0600), replaced
 * atomically under their lock (parallel pins all land), and a damaged file is refused, never overwritten.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { isSensitivityError } from '../../../src/core/errors.js';
import { createIdentity, publicIdentity, type Identity } from '../../../src/core/identity.js';
import { acceptedKeysPath, homeAcceptance, homePins, pinsPath } from '../../../src/node/trust-store.js';
import { scratch } from './helpers.js';

describe('home trust stores', () => {
  const dir = scratch();
  let people: Identity[];
  before(async () => {
    people = await Promise.all(Array.from({ length: 12 }, (_, i) => createIdentity(`P${i}`, `p${i}@example.com`)));
  });
  after(() => dir.dispose());

  it('parallel pins from separate stores all land, in a 0600 file; a second pin of the same key is "same"', async () => {
    const outcomes = await Promise.all(people.map((p) => homePins(dir.path).pin(publicIdentity(p))));
    assert.deepEqual(new Set(outcomes), new Set(['new']));
    assert.equal(statSync(pinsPath(dir.path)).mode & 0o777, 0o600);
    const pins = homePins(dir.path);
    for (const p of people) assert.equal((await pins.byEmail(p.email.toUpperCase()))?.id, p.id);
    assert.equal(await pins.pin(publicIdentity(people[0]!)), 'same');
  });

  it('a changed key is E_KEY_CHANGED and leaves the file as it was; confirmed, it replaces the pin', async () => {
    const impostor = publicIdentity(await createIdentity('P0', 'p0@example.com'));
    const before = readFileSync(pinsPath(dir.path));
    await assert.rejects(homePins(dir.path).pin(impostor), (e: unknown) => isSensitivityError(e, 'E_KEY_CHANGED'));
    assert.deepEqual(readFileSync(pinsPath(dir.path)), before);
    assert.equal(await homePins(dir.path).pin(impostor, { confirmChange: true }), 'changed');
    assert.equal((await homePins(dir.path).byEmail('p0@example.com'))?.id, impostor.id);
    assert.equal(await homePins(dir.path).byId(people[0]!.id), undefined);
  });

  it('a damaged pins file is refused with its path, and not overwritten', async () => {
    const other = scratch();
    try {
      writeFileSync(pinsPath(other.path), '{"version":1,"pins":[{"id":"x"}]}');
      await assert.rejects(
        homePins(other.path).pin(publicIdentity(people[1]!)),
        (e: unknown) => isSensitivityError(e, 'E_IDENTITY_INVALID') && e.file === pinsPath(other.path),
      );
      assert.equal(readFileSync(pinsPath(other.path), 'utf8'), '{"version":1,"pins":[{"id":"x"}]}');
    } finally {
      other.dispose();
    }
  });

  it('accepted key sets are kept by digest in a 0600 file', async () => {
    const acc = homeAcceptance(dir.path);
    assert.equal(await acc.isAccepted('digest-a'), false);
    await Promise.all([acc.accept('digest-a', ['recovery  A <a@example.com>  1']), homeAcceptance(dir.path).accept('digest-b', [])]);
    assert.equal(await homeAcceptance(dir.path).isAccepted('digest-a'), true);
    assert.equal(await homeAcceptance(dir.path).isAccepted('digest-b'), true);
    assert.equal(await homeAcceptance(dir.path).isAccepted('constructor'), false, 'no prototype keys');
    assert.equal(statSync(acceptedKeysPath(dir.path)).mode & 0o777, 0o600);
  });
});
