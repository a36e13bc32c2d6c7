/**
 * An HTTP proxy in front of a test server that lists every request it forwards, to count what a client asks of a
 * service (the witness's cost, issue 21). Its own process in its own process group (the CLI runs synchronously in
 * the tests, which would block an in-process server), on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface CountingProxy {
  readonly port: number;
  /** Every request forwarded so far, "METHOD /path", in order. */
  seen(): string[];
  stop(): Promise<void>;
}

/** Starts a proxy to 127.0.0.1:`target`, logging to the file `log`. */
export async function startCountingProxy(target: number, log: string): Promise<CountingProxy> {
  writeFileSync(log, '');
  const child = spawn(process.execPath, [resolve('test/support/counting-proxy-server.mjs'), String(target), log], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((res, rej) => {
    child.stdout.once('data', (d: Buffer) => res(Number(d.toString().trim())));
    child.once('exit', () => rej(new Error('the counting proxy did not start')));
  });
  return {
    port,
    seen: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}
