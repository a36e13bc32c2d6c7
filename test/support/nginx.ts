/**
 * Debian's nginx as the load balancer in front of key service replicas, run by the test or bench that needs
 * it (docs/KEY-SERVICE.md, "Operations"): its own prefix folder (pid, logs, every *_temp_path), `daemon off`,
 * 127.0.0.1 only, its own process group, stopped with SIGTERM (SIGKILL after 3 s). The configuration is the
 * one the docs give: failover on errors, timeouts, 502 and 503 (a replica whose token failed answers 503),
 * header buffers for large bearer tokens.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The nginx.conf for `upstreams` (ports on 127.0.0.1), listening on 127.0.0.1:`port`, everything under `dir`. */
export function nginxConf(dir: string, port: number, upstreams: readonly number[]): string {
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, `${t}_temp`)};`).join('\n');
  return `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
${temps}
  # Access tokens with many groups run to 10 KB and more: nginx's default (4 8k) answers its own HTML 400.
  large_client_header_buffers 4 32k;
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
      # A replica that cannot serve (its token failed) answers 503, and the request goes to the other;
      # a decrypt changes nothing but the log, so a request cut off by a dying replica may be retried
      # (non_idempotent). max_fails=0: a replica that is merely slow under load is never taken out; a dead
      # one refuses connections at once.
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }
  }
}
`;
}

export interface TestNginx {
  readonly url: string;
  readonly dir: string;
  /** nginx's error log so far. */
  errors(): string;
  stop(): Promise<void>;
}

export const hasNginx = (): boolean => spawnSync('nginx', ['-v']).status === 0;

/** Starts nginx on 127.0.0.1:`port` (pick it with freePort) in front of `upstreams`, files under `dir`; resolves once `probePath` answers through it. */
export async function startNginx(dir: string, port: number, upstreams: readonly number[], probePath = '/ready'): Promise<TestNginx> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, port, upstreams));
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  process.once('exit', () => signal('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let start = Date.now(); ; await sleep(100)) {
      const ok = await fetch(`${url}${probePath}`).then(
        (r) => r.status < 500,
        () => false,
      );
      if (ok) break;
      if (Date.now() - start > 10_000) throw new Error(`nginx did not answer within 10 s`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, dir, errors: () => readFileSync(join(dir, 'error.log'), 'utf8'), stop };
}
