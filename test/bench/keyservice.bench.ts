/**
 * The key service under load, scaled out (docs/KEY-SERVICE.md, "Replicas"): two replicas sharing one
 * SoftHSM2 token, config and access log behind Debian's nginx (`proxy_next_upstream`), 2 000 decrypt
 * requests from 16 concurrent clients with real IdP tokens; half-way through, one replica is killed
 * (SIGKILL). Prints requests/s, p50/p99 latency and the failures, which must be zero (exit 1 otherwise).
 * `node --import tsx test/bench/keyservice.bench.ts` runs it alone (after `npm run build`).
 * KS_BENCH_REQUESTS and KS_BENCH_CLIENTS override 2000 and 16.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIdp } from '../support/idp.js';
import { freePort, startKeyService, type TestKeyService } from '../support/key-service.js';

const TOTAL = Number(process.env.KS_BENCH_REQUESTS ?? 2000);
const CLIENTS = Number(process.env.KS_BENCH_CLIENTS ?? 16);
const KEY = 'Bench';

function nginxConf(dir: string, port: number, upstreams: readonly number[]): string {
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, `${t}_temp`)};`).join('\n');
  return `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
${temps}
  upstream keyservice {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://keyservice;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
      # A decrypt changes nothing but the log, so a request cut off by a dying replica may be retried.
      # max_fails=0: a replica that is merely slow under load is never taken out; a dead one refuses
      # connections at once, and the request goes to the other.
      proxy_next_upstream error timeout non_idempotent;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }
  }
}
`;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function waitFor(url: string, ms: number): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() - start > ms) throw new Error(`${url} did not answer within ${ms} ms`);
    await sleep(100);
  }
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<number> {
  if (spawnSync('nginx', ['-v']).status !== 0) {
    console.log('key service bench skipped: nginx is not installed (apt-get install nginx)');
    return 0;
  }
  const idp = await startIdp();
  const replicas: TestKeyService[] = [];
  let nginx: ChildProcess | undefined;
  try {
    const lbPort = await freePort();
    const baseUrl = `http://127.0.0.1:${lbPort}`;
    const keys = { [KEY]: { allow: { groups: ['engineering'] } } };
    const extra = { trustProxy: true };
    replicas.push(await startKeyService({ idp, keys, baseUrl, extra, directory: false }));
    const a = replicas[0]!;
    replicas.push(await startKeyService({ idp, keys, baseUrl, extra, directory: false, hsm: a.hsm, dir: a.dir }));
    const dir = join(a.dir, 'nginx');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'nginx.conf'),
      nginxConf(
        dir,
        lbPort,
        replicas.map((r) => r.port),
      ),
    );
    nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { detached: true, stdio: 'ignore' });
    await waitFor(`${baseUrl}/${KEY}`, 10_000);

    const pub = (await (await fetch(`${baseUrl}/${KEY}`)).json()) as { key: { n: string; kid: string } };
    const key = createPublicKey({ key: { kty: 'RSA', n: Buffer.from(pub.key.n, 'base64').toString('base64url'), e: 'AQAB' }, format: 'jwk' });
    const contentId = 'bench-content';
    const label = 'confidential';
    const secret = Buffer.alloc(32, 1);
    const value = publicEncrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(`sensitivity-dke/1\0${contentId}\0${label}`) },
      secret,
    ).toString('base64');
    const body = JSON.stringify({ alg: 'RSA-OAEP-256', value, contentId, label });
    const token = await idp.tokenFor('bob@example.com');
    const url = `${baseUrl}/${KEY}/${pub.key.kid.split('/').at(-1)}/decrypt`;

    const latencies: number[] = [];
    const failures: string[] = [];
    let issued = 0;
    let done = 0;
    let killedAt = -1;
    const victim = replicas[1]!;
    const client = async () => {
      while (issued < TOTAL) {
        issued++;
        const t0 = performance.now();
        try {
          const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
          const text = await res.text();
          const json = (res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : { code: text.slice(0, 60) }) as {
            value?: string;
            code?: string;
          };
          if (res.status !== 200 || json.value !== secret.toString('base64')) failures.push(`${res.status} ${json.code ?? ''}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
        latencies.push(performance.now() - t0);
        if (++done === Math.floor(TOTAL / 2)) {
          killedAt = done;
          killGroup(victim.process, 'SIGKILL');
        }
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const seconds = (performance.now() - start) / 1000;
    const sorted = [...latencies].sort((x, y) => x - y);
    const logLines = readFileSync(a.logFile, 'utf8').trim().split('\n').length;
    const verify = a.cli(['log', '--verify', a.logFile]);
    console.log('\nKey service: 2 replicas (one SoftHSM2 token, RSA 3072) behind nginx, decrypt with a real IdP token');
    console.log(`  ${TOTAL} requests, ${CLIENTS} concurrent clients, replica 2 killed (SIGKILL) after request ${killedAt}`);
    console.log(
      `  ${(TOTAL / seconds).toFixed(1)} requests/s, p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
    );
    console.log(`  failed: ${failures.length}${failures.length ? ` (${[...new Set(failures)].join(', ')})` : ''}`);
    console.log(`  access log: ${logLines} lines (shared by both replicas), ${verify.code === 0 ? 'chain intact' : `BROKEN: ${verify.stderr.trim()}`}`);
    if (failures.length)
      console.log(`  replica 1 said: ${a.stderr().slice(-3000)}\n  nginx said: ${readFileSync(join(dir, 'error.log'), 'utf8').slice(-3000)}`);
    return failures.length === 0 && verify.code === 0 ? 0 : 1;
  } finally {
    if (nginx) killGroup(nginx, 'SIGTERM');
    for (const r of replicas.reverse()) await r.stop();
    await idp.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
