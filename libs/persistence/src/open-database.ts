import type { DataSource } from 'typeorm';
import type pg from 'pg';
import type { Logger } from 'pino';
import { migrateWithLock } from './migrate.js';
import { pgPool } from './pg-pool.js';

export interface OpenOptions {
  schema: string;
  logger: Logger;
  /** Stop retrying when this aborts (a replica told to stop while PostgreSQL is down). */
  signal?: AbortSignal;
  maxBackoffMs?: number;
}

/**
 * Connects and migrates, retrying with backoff while PostgreSQL is unreachable: a replica
 * started during a database outage waits for it instead of dying.
 */
export async function openDatabase(ds: DataSource, o: OpenOptions): Promise<DataSource> {
  let backoff = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      if (!ds.isInitialized) {
        await ds.initialize();
        guardClientErrors(pgPool(ds), o.logger);
      }
      await migrateWithLock(ds, o.schema, o.logger);
      return ds;
    } catch (err) {
      if (o.signal?.aborted) throw err;
      o.logger.warn(
        { attempt, retryInMs: backoff, err: err instanceof Error ? err.message : String(err) },
        'database not ready, retrying',
      );
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, o.maxBackoffMs ?? 5000);
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
