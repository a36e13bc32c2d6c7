/**
 * Connections kept below the descriptor limit (docs/KEY-SERVICE.md, "Operations"): every client connection
 * is a descriptor, and so is every file the token, the access log and the database need. Left alone, about a
 * thousand idle keep-alive connections take all 1 024 of the usual limit and the token can no longer open
 * its files: every request then fails. So the server takes at most the limit less a reserve, refuses new
 * connections beyond it (closes them at once: a client retries, a load balancer fails over), and says so
 * once each time it fills up.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';

/** Descriptors kept for the token's files, the log, the config, the database and the refused connections themselves. */
export const RESERVED_DESCRIPTORS = 128;

/** The soft RLIMIT_NOFILE of this process, from /proc (Linux); undefined when unlimited or unknown. */
export function descriptorLimit(limits = '/proc/self/limits'): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)\s/m.exec(readFileSync(limits, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Caps `server`'s connections at the descriptor limit less RESERVED_DESCRIPTORS (nothing when the limit is
 * unknown or too small to keep a reserve); reports once when it refuses a connection, and once when it takes
 * new ones again.
 */
export function limitConnections(server: Server, report: (line: string) => void, limit = descriptorLimit()): number | undefined {
  if (limit === undefined || limit <= 2 * RESERVED_DESCRIPTORS) return undefined;
  const max = limit - RESERVED_DESCRIPTORS;
  server.maxConnections = max;
  let full = false;
  server.on('drop', () => {
    if (full) return;
    full = true;
    report(
      `${max} connections open, the most this process takes with its descriptor limit (${limit}, ${RESERVED_DESCRIPTORS} kept for the token, ` +
        'the log and the database): new connections are refused until some close; raise LimitNOFILE or `ulimit -n`',
    );
  });
  server.on('connection', () => {
    if (full)
      server.getConnections((e, open) => {
        if (e || !full || open >= max * 0.9) return;
        full = false;
        report('taking new connections again');
      });
  });
  return max;
}
