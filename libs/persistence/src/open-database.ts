import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { migrateWithLock } from './migrate.js';

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
      if (!ds.isInitialized) await ds.initialize();
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
