/**
 * The witness's HTTP client (`httpWitnessService`) against a local server playing a key service that fails: a 503
 * is E_KEYSERVICE_UNAVAILABLE (a fault: try again), a 409 E_FORK keeps its code and names the head, a 403 E_LINEAGE (the
 * version is not an owner's) keeps its code, the body carries the claim and both policies, a 200 without a
 * receipt is E_KEYSERVICE_PROTOCOL, a refused token is E_SIGNIN_REQUIRED after one fresh try, and no connection is
 * E_KEYSERVICE_UNREACHABLE. (The real service: test/unit/cli/witness.test.ts.)
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { isSensitivityError } from '../../src/core/errors.js';
import { httpWitnessService } from '../../src/node/key-service-client.js';

const claim = { line: 'c1', pd: 'A'.repeat(43), prev: null, ver: 1, policy: 'p.o.l', prevPolicy: null };

describe('the witness client', () => {
  let server: Server;
  let url: string;
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  let tokens: boolean[] = [];
  let sent = '';
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        sent = Buffer.concat(chunks).toString();
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const witness = () => httpWitnessService({ tokens: { token: async (_aud, o) => (tokens.push(o?.fresh === true), 'token') }, timeoutMs: 5_000 });
  const fails = async (code: string, url_ = url) => {
    const e = await witness()
      .register(url_, claim)
      .then(
        () => assert.fail('registered'),
        (e: unknown) => e,
      );
    assert.ok(isSensitivityError(e, code as never), `expected ${code}, got ${String(e)}`);
    return e;
  };

  it('maps each answer to its stable code', async () => {
    answer = { status: 200, body: { kind: 'org-witness', receipt: 'r.e.c' } };
    assert.equal(await witness().register(url, claim), 'r.e.c');
    assert.deepEqual(JSON.parse(sent), claim, 'the claim and both policies (prevPolicy null for version 1)');
    answer = { status: 403, body: { code: 'E_LINEAGE', reason: 'x' } };
    await fails('E_LINEAGE');
    answer = { status: 503, body: { code: 'E_HSM_UNAVAILABLE' } };
    await fails('E_KEYSERVICE_UNAVAILABLE');
    answer = { status: 409, body: { code: 'E_FORK', reason: 'x', head: { pd: 'B'.repeat(43), ver: 3 } } };
    const fork = await fails('E_FORK');
    assert.equal(fork.details.seenVersion, 3);
    answer = { status: 200, body: { kind: 'org-witness' } };
    await fails('E_KEYSERVICE_PROTOCOL');
    tokens = [];
    answer = { status: 401, body: { code: 'E_TOKEN_INVALID' } };
    await fails('E_SIGNIN_REQUIRED');
    assert.deepEqual(tokens, [false, true], 'one fresh token tried');
    await fails('E_KEYSERVICE_UNREACHABLE', 'http://127.0.0.1:9');
    await assert.rejects(httpWitnessService().register(url, claim), (e: unknown) => isSensitivityError(e, 'E_SIGNIN_REQUIRED'));
  });
});
