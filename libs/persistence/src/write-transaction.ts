// One write as one PostgreSQL transaction on one pooled connection. Whatever the write touches —
// its rows, the idempotency key it answers to (idempotent-writes.ts), and next the outbox of its
// events — goes through the same client, so a process killed mid-write leaves all or nothing.
import type pg from 'pg';

/** What a repository runs its statements on: a transaction's client for writes (the pool for reads). */
export type Queryable = Pick<pg.ClientBase, 'query'>;

export interface WriteTransaction {
  /** The connection inside the open transaction: every statement of the write goes through it. */
  readonly db: Queryable;
  /**
   * Runs `fn` once the transaction has committed; never after a rollback, and never for a replay
   * (the work does not run then). For best-effort side effects such as a live push; `fn` must
   * not throw (what it throws is dropped: the write has committed and will be answered).
   */
  afterCommit(fn: () => void): void;
}

export interface TransactionOptions {
  /**
   * `SET LOCAL lock_timeout`: a statement that waits longer than this for a row lock fails with
   * SQLSTATE 55P03 instead of waiting up to statement_timeout.
   */
  lockTimeoutMs?: number;
}

/** SQLSTATE lock_not_available: a lock wait exceeded lock_timeout. */
export const LOCK_NOT_AVAILABLE = '55P03';

export function isLockTimeout(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === LOCK_NOT_AVAILABLE;
}

/**
 * BEGIN, `body`, COMMIT on a client of `pool`; ROLLBACK if anything throws (then rethrown as is,
 * so a database outage still classifies as unavailable). A client whose ROLLBACK fails has a
 * broken connection and is destroyed instead of going back to the pool.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  o: TransactionOptions,
  body: (client: pg.PoolClient, tx: WriteTransaction) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  const committed: Array<() => void> = [];
  const tx: WriteTransaction = { db: client, afterCommit: (fn) => committed.push(fn) };
  let broken = false;
  try {
    // One round trip: the simple-query protocol takes both statements at once.
    await client.query(
      o.lockTimeoutMs === undefined
        ? 'BEGIN'
        : `BEGIN; SET LOCAL lock_timeout = ${Math.max(1, Math.round(o.lockTimeoutMs))}`,
    );
    const result = await body(client, tx);
    await client.query('COMMIT');
    for (const fn of committed) {
      try {
        fn();
      } catch {
        // Documented above: the write stands.
      }
    }
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
