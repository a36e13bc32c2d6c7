import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createIdentity, fingerprint, SensitivityError } from '../../src/core/index.js';

test('a fingerprint is six groups of five digits, the same for the same id and different for another', async () => {
  const a = await createIdentity('Alice', 'alice@example.com');
  const b = await createIdentity('Bob', 'bob@example.com');
  assert.match(fingerprint(a.id), /^\d{5}( \d{5}){5}$/);
  assert.equal(fingerprint(a.id), fingerprint(a.sig.kid));
  assert.notEqual(fingerprint(a.id), fingerprint(b.id));
});

test('a fingerprint of something that is not a thumbprint is E_IDENTITY_INVALID', () => {
  for (const bad of ['', 'abc', 'A'.repeat(44), '!'.repeat(43)]) {
    assert.throws(
      () => fingerprint(bad),
      (e: unknown) => e instanceof SensitivityError && e.code === 'E_IDENTITY_INVALID',
    );
  }
});

test('the digits come from the thumbprint bytes: all-zero bytes give all-zero groups', () => {
  assert.equal(fingerprint('A'.repeat(43)), '00000 00000 00000 00000 00000 00000');
});
