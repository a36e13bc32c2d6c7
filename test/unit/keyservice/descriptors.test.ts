/**
 * Descriptor exhaustion is a fault, not a verdict (issue 21, point 1; docs/KEY-SERVICE.md, "Operations"):
 * `key-service serve` runs with the usual RLIMIT_NOFILE of 1 024 while 1 100 idle TCP connections are opened
 * to it. A decrypt and a public-key request sent over connections it had already accepted must never be
 * answered "unknown key" or "retired" (404): 200, or 503 at most. New connections are refused while it is
 * full, which it says once on stderr; when the idle connections close, the same process (no restart) serves
 * 200 again through its token's sessions.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sealTo, startFinanceService, type FinanceService } from '../../support/key-service.js';

const KEY = 'Finance';
const LIMIT = 1024;
const IDLE = 1100;

/** Opens one TCP connection; resolves with it connected, or undefined when the connection failed or was closed at once. */
function open(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(undefined));
    s.on('close', () => resolve(undefined));
  });
}

type RawAnswer = { status: number; code: string | undefined } | 'no answer' | 'closed';

/** One HTTP/1.1 request written on an open connection, its status and error code, within `ms`. */
function raw(socket: Socket, request: string, ms: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let text = '';
    const done = (a: RawAnswer) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      resolve(a);
    };
    const timer = setTimeout(() => done('no answer'), ms);
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? NaN);
      if (end < 0 || !(text.length >= end + 4 + length)) return;
      const body = text.slice(end + 4, end + 4 + length);
      const code = /"code":"([A-Z_]+)"/.exec(body)?.[1];
      done({ status: Number(text.split(' ')[1]), code });
    });
    socket.once('close', () => done('closed'));
    socket.write(request);
  });
}

describe('key service: 1 100 idle connections against a 1 024-descriptor limit', { timeout: 180_000 }, () => {
  let f: FinanceService;
  const sockets: Socket[] = [];
  before(async () => {
    f = await startFinanceService(KEY, { directory: false, maxFiles: LIMIT });
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await f?.stop();
  });

  it('answers 200 or 503 over open connections while full (never 404 unknown/retired), says so once, and serves 200 after they close without a restart', async () => {
    const { ks, token, pub } = f;
    const pid = ks.process.pid!;
    const keyId = pub.key.kid.split('/').at(-1)!;
    const body = JSON.stringify({ alg: 'RSA-OAEP-256', value: sealTo(pub, Buffer.alloc(32, 7)) });
    const decrypt = (close = false) =>
      `POST /${KEY}/${keyId}/decrypt HTTP/1.1\r\nHost: ks\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${close ? 'Connection: close\r\n' : ''}\r\n${body}`;
    const fetchDecrypt = () =>
      fetch(`${ks.url}/${KEY}/${keyId}/decrypt`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body }).then(
        async (r) => ({ status: r.status, code: ((await r.json()) as { code?: string }).code }),
        () => 'refused' as const,
      );
    assert.equal(((await fetchDecrypt()) as { status: number }).status, 200);

    // The probes' own connections, accepted before the flood.
    const probes: Socket[] = [];
    for (let i = 0; i < 6; i++) {
      const p = (await open(ks.port))!;
      probes.push(p);
      assert.deepEqual(await raw(p, 'GET /ready HTTP/1.1\r\nHost: ks\r\n\r\n', 10_000), { status: 200, code: undefined });
    }

    let refused = 0;
    for (let i = 0; i < IDLE; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, IDLE - i) }, () => open(ks.port)));
      for (const s of batch) if (s) sockets.push(s);
      refused += batch.filter((s) => s === undefined).length;
    }
    // Let the service accept what it will: its descriptor count stops growing.
    const fds = () => readdirSync(`/proc/${pid}/fd`).length;
    for (let last = -1, end = Date.now() + 15_000; Date.now() < end; await sleep(300)) {
      const now = fds();
      if (now === last) break;
      last = now;
    }
    const full = fds();
    const opened = sockets.length;

    const answers: RawAnswer[] = [];
    for (const [i, p] of probes.entries()) {
      answers.push(await raw(p, i % 2 === 0 ? decrypt() : `GET /${KEY} HTTP/1.1\r\nHost: ks\r\n\r\n`, 10_000));
      await sleep(200);
    }
    // A new connection while full: refused (closed at once) or served, never a verdict.
    const fresh = await open(ks.port).then((s) => (s ? raw(s, decrypt(true), 10_000).finally(() => s.destroy()) : ('closed' as const)));
    const dropped = sockets.filter((s) => s.destroyed || s.readyState !== 'open').length;
    const verdicts = [...answers, fresh].filter((a) => typeof a === 'object' && a.status === 404);
    assert.deepEqual(verdicts, [], `a key it holds was answered 404 while its descriptors ran out: ${JSON.stringify(answers)}`);
    for (const a of [...answers, fresh]) if (typeof a === 'object') assert.ok([200, 503].includes(a.status), `unexpected answer ${JSON.stringify(a)}`);
    assert.ok(
      answers.some((a) => typeof a === 'object' && a.status === 200),
      `no answer 200 over an open connection while full: ${JSON.stringify(answers)}`,
    );

    for (const s of sockets.splice(0)) s.destroy();
    let after: Awaited<ReturnType<typeof fetchDecrypt>> = 'refused';
    for (const end = Date.now() + 20_000; Date.now() < end; await sleep(250)) {
      after = await fetchDecrypt();
      if (typeof after === 'object' && after.status === 200) break;
    }
    assert.deepEqual(after, { status: 200, code: undefined }, 'the service did not serve again after the idle connections closed');
    assert.equal(ks.process.exitCode, null, 'the service exited');
    assert.equal(ks.process.pid, pid);
    assert.equal((await fetch(`${ks.url}/ready`)).status, 200);
    const said = ks.stderr().match(/new connections are refused until some close/g) ?? [];
    assert.equal(said.length, 1, `the service should say once that it is full: ${ks.stderr()}`);
    assert.ok((ks.stderr().match(/the token failed/g) ?? []).length <= 1, ks.stderr());
    console.log(
      `# ${full} descriptors open while full, ${IDLE} connections tried: ${opened} connected, ${refused} refused at once, ${dropped} closed by the service; answers ${JSON.stringify(answers)}, fresh ${JSON.stringify(fresh)}`,
    );
  });
});
