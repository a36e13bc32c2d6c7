/**
 * The key service's state in PostgreSQL (docs/KEY-SERVICE.md, "Shared state"), for replicas on any number
 * of machines: run-time revocations, certificates, and the key access log as one hash chain across every
 * replica — each batch of lines appended in one transaction under an advisory lock, so two replicas never
 * chain to the same line. Tables are created on first start (under an advisory lock, so replicas starting
 * together do not race). `pg` (node-postgres) loads only when the config names a database.
 */
import type { Pool, PoolClient, QueryResult } from 'pg';
import { createAuditEntry, extendsWitnessHead, type WitnessHead } from '../../core/index.js';
import type { Revocation, RevocationKind, ServiceState } from './port.js';

/** Advisory lock keys (any two fixed numbers of our own). */
const SCHEMA_LOCK = 21_0001;
/** The lock every replica's log append takes (exported for the test that holds it). */
export const LOG_LOCK = 21_0002;
/** Opens a log append: the transaction, the lock that serialises appends across replicas, the last line. */
const OPEN_LOG = `BEGIN; SELECT pg_advisory_xact_lock(${LOG_LOCK}); SELECT line FROM ks_access_log ORDER BY seq DESC LIMIT 1`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ks_revocations (
  scope text NOT NULL, kind text NOT NULL, value text NOT NULL, at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, kind, value));
CREATE TABLE IF NOT EXISTS ks_certificates (email text PRIMARY KEY, certificate text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS ks_access_log (seq bigint PRIMARY KEY, line text NOT NULL);
CREATE TABLE IF NOT EXISTS ks_witness_heads (line text PRIMARY KEY, pd text NOT NULL, ver integer NOT NULL, at timestamptz NOT NULL DEFAULT now());
ALTER TABLE ks_witness_heads ADD COLUMN IF NOT EXISTS receipt text;
CREATE INDEX IF NOT EXISTS ks_witness_heads_at ON ks_witness_heads (at);
CREATE TABLE IF NOT EXISTS ks_witness_removals (line text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS ks_witness_removals_at ON ks_witness_removals (at);
`;

/** The connection string without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured database';
  }
}

async function inTransaction<T>(pool: Pool, f: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await f(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

/** Connects, creates the tables if they are missing, and returns the state. */
export async function postgresState(url: string, poolSize = 4): Promise<ServiceState> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 });
  // An idle client whose server went away must not crash the service: the next query reconnects.
  pool.on('error', () => undefined);
  await inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await c.query(SCHEMA);
  });
  return {
    where: redact(url),
    async revocations() {
      const r = await pool.query<{ scope: string; kind: RevocationKind; value: string }>('SELECT scope, kind, value FROM ks_revocations ORDER BY at');
      return r.rows.map((x): Revocation => ({ scope: x.scope, kind: x.kind, value: x.value }));
    },
    async revoke(r, undo = false) {
      const q = undo
        ? pool.query('DELETE FROM ks_revocations WHERE scope = $1 AND kind = $2 AND value = $3', [r.scope, r.kind, r.value])
        : pool.query('INSERT INTO ks_revocations (scope, kind, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [r.scope, r.kind, r.value]);
      return ((await q).rowCount ?? 0) > 0;
    },
    async putCertificate(email, certificate) {
      await pool.query(
        'INSERT INTO ks_certificates (email, certificate) VALUES ($1, $2) ON CONFLICT (email) DO UPDATE SET certificate = EXCLUDED.certificate, at = now()',
        [email, certificate],
      );
    },
    async certificate(email) {
      const r = await pool.query<{ certificate: string }>('SELECT certificate FROM ks_certificates WHERE email = $1', [email]);
      return r.rows[0]?.certificate;
    },
    async head(line) {
      const r = await pool.query<WitnessHead & { receipt: string | null }>('SELECT pd, ver, receipt FROM ks_witness_heads WHERE line = $1', [line]);
      const h = r.rows[0];
      return h ? { pd: h.pd, ver: h.ver, ...(h.receipt !== null ? { receipt: h.receipt } : {}) } : undefined;
    },
    async headChanges(since) {
      const r = await pool.query<{ now: number; lines: string[] }>(
        `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now,
                array(SELECT line FROM ks_witness_heads WHERE $1::float8 IS NOT NULL AND at >= to_timestamp($1::float8 / 1000)
                      UNION SELECT line FROM ks_witness_removals WHERE $1::float8 IS NOT NULL AND at >= to_timestamp($1::float8 / 1000)) AS lines`,
        [since ?? null],
      );
      return { now: r.rows[0]!.now, lines: r.rows[0]!.lines };
    },
    registerHead: (claim, receipt) =>
      inTransaction(pool, async (c) => {
        // One registration per line at a time, across replicas (also for a line's first, when there is no row to lock).
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [claim.line]);
        const r = await c.query<WitnessHead>('SELECT pd, ver FROM ks_witness_heads WHERE line = $1', [claim.line]);
        const head = r.rows[0] ? { pd: r.rows[0].pd, ver: r.rows[0].ver } : undefined;
        if (!extendsWitnessHead(head, claim)) return { registered: false, head };
        // The same head again keeps its first receipt (both verify); a head without one (kept before receipts were) gets this.
        await c.query(
          `INSERT INTO ks_witness_heads (line, pd, ver, receipt) VALUES ($1, $2, $3, $4) ON CONFLICT (line) DO UPDATE
           SET pd = EXCLUDED.pd, ver = EXCLUDED.ver, receipt = CASE WHEN ks_witness_heads.pd = EXCLUDED.pd THEN coalesce(ks_witness_heads.receipt, EXCLUDED.receipt) ELSE EXCLUDED.receipt END, at = now()`,
          [claim.line, claim.pd, claim.ver, receipt],
        );
        return { registered: true, head };
      }),
    removeHead: (line) =>
      inTransaction(pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [line]);
        const r = await c.query<WitnessHead>('DELETE FROM ks_witness_heads WHERE line = $1 RETURNING pd, ver', [line]);
        // Kept so that every replica's head cache drops the line (headChanges reads both tables).
        await c.query('INSERT INTO ks_witness_removals (line) VALUES ($1) ON CONFLICT (line) DO UPDATE SET at = now()', [line]);
        return r.rows[0] ? { pd: r.rows[0].pd, ver: r.rows[0].ver } : undefined;
      }),
    async appendLog(take) {
      // Two round trips per batch (not five): the transaction, the log's lock and its last line in one simple
      // query (constant text); then the rows and the commit in another (each line a literal escaped by the
      // driver: our own JSON, whose control characters JSON.stringify has already escaped). The batch is taken
      // between them, so what arrived while the other replicas held the lock is written in this transaction.
      const c = await pool.connect();
      try {
        const opened = (await c.query(OPEN_LOG)) as unknown as QueryResult<{ line: string }>[];
        let prev = opened[2]!.rows[0]?.line;
        const first = prev === undefined ? 1 : (JSON.parse(prev) as { seq: number }).seq + 1;
        const { events, now } = take();
        const lines: string[] = [];
        for (const event of events) {
          prev = await createAuditEntry(prev, event, now);
          lines.push(prev);
        }
        const rows = lines.map((line, i) => `(${first + i}, ${c.escapeLiteral(line)})`).join(', ');
        await c.query(`INSERT INTO ks_access_log (seq, line) VALUES ${rows}; COMMIT`);
        return lines;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    async logText() {
      const r = await pool.query<{ line: string }>('SELECT line FROM ks_access_log ORDER BY seq');
      return r.rows.map((x) => x.line + '\n').join('');
    },
    close: () => pool.end(),
  };
}
