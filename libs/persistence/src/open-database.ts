import type { DataSource } from 'typeorm';
import type pg from 'pg';
import type { Logger } from 'pino';
import { describeDatabaseFailure, type DatabaseFailure } from './database-errors.js';
import { migrateWithLock } from './migrate.js';
import { pgPool } from './pg-pool.js';
import { checkQueryDeadlines } from './query-deadline.js';

export interface OpenOptions {
  schema: string;
  logger: Logger;
  /** Stop retrying when this aborts (a replica told to stop while PostgreSQL is down). */
  signal?: AbortSignal;
  maxBackoffMs?: number;
  /** Called after every failed attempt, before the pause: the replica can say why it waits. */
  onFailure?: (failure: DatabaseFailure) => void;
  /** Check each query's request deadline first (checkQueryDeadlines); default on. */
  checkDeadlines?: boolean;
}

/**
 * Connects and migrates, retrying with backoff while PostgreSQL is unreachable: a replica
 * started during a database outage waits for it instead of dying. It warns once, and again only
 * when the reason changes (each retry is a debug line): an outage is one line per replica, not
 * one per replica per retry. Once open after failures it says so, and how long it waited.
 */
export async function openDatabase(ds: DataSource, o: OpenOptions): Promise<DataSource> {
  let backoff = 250;
  let warned: string | undefined;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      if (!ds.isInitialized) {
        await ds.initialize();
        guardClientErrors(pgPool(ds), o.logger);
        if (o.checkDeadlines !== false) checkQueryDeadlines(pgPool(ds));
      }
      await migrateWithLock(ds, o.schema, o.logger);
      if (warned !== undefined) o.logger.info({ attempts: attempt, waitedMs: Date.now() - started }, 'database ready');
      return ds;
    } catch (err) {
      if (o.signal?.aborted) throw err;
      const failure = describeDatabaseFailure(err, ds);
      const fields = {
        attempt,
        retryInMs: backoff,
        state: failure.state,
        database: failure.target,
        err: err instanceof Error ? err.message : String(err),
      };
      if (failure.state !== warned) o.logger.warn(fields, 'database not ready: retrying until it answers');
      else o.logger.debug(fields, 'database still not ready, retrying');
      warned = failure.state;
      o.onFailure?.(failure);
      await new Promise((r) => setTimeout(r, backoff));
      // At most 2 s: a replica is up that soon after the database answers again, and an attempt
      // costs PostgreSQL little (a refused or failed connection per replica every 2 s).
      backoff = Math.min(backoff * 2, o.maxBackoffMs ?? 2000);
    }
  }
}

/**
 * A pooled connection that PostgreSQL ends while it is checked out (between two statements of a
 * transaction: a restart, `pg_terminate_backend`, a network cut) emits 'error' on the client,
 * and pg-pool listens only while a client is idle in the pool: unheard, that error would crash
 * the replica. With this listener the error is logged; the statement that next uses the client
 * fails (503) and the client is discarded on release.
 */
export function guardClientErrors(pool: pg.Pool, logger: Logger): void {
  const guarded = new WeakSet<pg.ClientBase>();
  const guard = (client: pg.ClientBase) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', (err: Error) =>
      logger.warn({ err: err.message, code: (err as { code?: string }).code }, 'database connection lost'),
    );
  };
  pool.on('connect', guard);
  // Connections opened while the data source initialised, before the listener above existed.
  for (const client of (pool as unknown as { _clients?: pg.ClientBase[] })._clients ?? []) guard(client);
}
