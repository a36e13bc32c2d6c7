/**
 * The decrypt body as the key service reads it (src/keyservice/server.ts `decryptRequest`, `oaepLabel`): the value in
 * either base64 alphabet, content ids and labels refused with a control character or past 256 characters, and the
 * OAEP label's bytes as docs/KEY-SERVICE.md ("Binding") gives them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../../src/keyservice/http-error.js';
import { decryptRequest, oaepLabel } from '../../../src/keyservice/server.js';

const body = (o: Record<string, unknown>) => Buffer.from(JSON.stringify({ alg: 'RSA-OAEP-256', ...o }));
const refused = (o: Record<string, unknown>, code = 'E_BAD_REQUEST') =>
  assert.throws(
    () => decryptRequest(body(o)),
    (e: unknown) => e instanceof HttpError && e.code === code,
    JSON.stringify(o),
  );

describe('the decrypt request body', () => {
  it('takes the value in standard base64 or base64url, the same bytes', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x01, 0x02]);
    assert.deepEqual(decryptRequest(body({ value: bytes.toString('base64') })).value, bytes);
    assert.deepEqual(decryptRequest(body({ value: bytes.toString('base64url') })).value, bytes);
    refused({ value: 'not base64!' });
    refused({ value: '' });
  });

  it('refuses a content id or label with a control character (C0 or DEL) or longer than 256 characters', () => {
    const value = 'AQID';
    for (const bad of ['a\u0000b', 'tab\there', 'line\n', '\u001f', 'del\u007f', 'x'.repeat(257), ''])
      for (const [contentId, label] of [
        [bad, 'confidential'],
        ['file-1', bad],
      ])
        refused({ value, contentId, label });
    const ok = decryptRequest(body({ value, contentId: 'Ü 𝄞 ' + 'x'.repeat(250), label: 'Vertraulich \u0080' }));
    assert.deepEqual(ok.ctx, { contentId: 'Ü 𝄞 ' + 'x'.repeat(250), label: 'Vertraulich \u0080' });
  });

  it('binds content id and label into the OAEP label as "sensitivity-dke/1" NUL id NUL label, in UTF-8; nothing for plain DKE', () => {
    const label = oaepLabel({ contentId: 'dossier-ü', label: 'confidential' });
    assert.deepEqual(
      label,
      Buffer.concat([Buffer.from('sensitivity-dke/1'), Buffer.from([0]), Buffer.from('dossier-ü'), Buffer.from([0]), Buffer.from('confidential')]),
    );
    assert.equal(oaepLabel({}).length, 0);
  });
});
