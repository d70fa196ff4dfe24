// Idempotency keys, stored by the service that does the write, in the same transaction as the
// write: a repeat of a request (the client's retry, or the edge's own after a timeout) within
// 24 h gets the first reply and writes nothing; a process killed mid-write leaves neither the
// write nor the key, so the retry runs afresh. The table is `idempotency_key` in each service's
// own schema (IdempotencyKeysMigration).
import { createHash } from 'node:crypto';
import { Logger, type OnModuleDestroy, type OnModuleInit, type Provider } from '@nestjs/common';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { ErrorCodes, MeshError } from '#contracts';
import { requestContext } from '#runtime';
import { pgPool, qualifiedTable } from './pg-pool.js';
import { inTransaction, isLockTimeout, type WriteTransaction } from './write-transaction.js';

/** How long a key is remembered (docs/api.md: "within 24 h"); older rows count as absent. */
export const IDEMPOTENCY_RETENTION_HOURS = 24;
/** What a service accepts as a key (the edge enforces the same, 1-255 visible ASCII characters). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/**
 * The longest a request waits for the row lock of a key another request holds, i.e. for that
 * request to finish. 2 s is the edge's write deadline (WRITE_TIMEOUT_MS): waiting longer serves
 * no caller. A request's own deadline shortens it further. The writes themselves last
 * milliseconds, so a wait this long means the holder is stuck (a frozen replica's session is
 * ended by idle_in_transaction_session_timeout, 3 s): answer 409 and let the client retry.
 */
export const IDEMPOTENCY_LOCK_TIMEOUT_MS = 2000;
const MIN_LOCK_TIMEOUT_MS = 50;
const SWEEP_EVERY_MS = 60 * 60 * 1000;
const SWEEP_BATCH = 5000;

export interface IdempotentRequest {
  /** Whose key it is: the acting user's id. Two users never share a key. */
  scope: string;
  /** The request's Idempotency-Key; without one the work simply runs in a transaction. */
  key: string | undefined;
  /** The subject; part of the hash, so a key reused for another operation is a mismatch. */
  operation: string;
  /** What makes two requests "the same" (usually the validated request data). */
  request: unknown;
}

export interface IdempotentWritesOptions {
  lockTimeoutMs?: number;
}

interface StoredKey {
  requestHash: string;
  reply: unknown;
}

/** JSON with object keys sorted, so equal data hashes equally whatever the key order. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return stableJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

export function requestHash(operation: string, request: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(stableJson(request)).digest('hex');
}

const mismatch = () =>
  new MeshError(
    ErrorCodes.idempotencyMismatch,
    'This Idempotency-Key was already used for a different request; use a new key for a new request.',
  );
export const keyInProgress = () =>
  new MeshError(ErrorCodes.conflict, 'a request with this Idempotency-Key is still in progress');

/**
 * Runs writes at most once per (scope, key). `run(request, work)`:
 * 1. a stored, unexpired key with the same request hash answers its stored reply at once: no
 *    transaction, no call to another service (a replay works while a dependency is down); with
 *    another hash it is a 422 (idempotency_mismatch);
 * 2. else, in one transaction: claim the key (INSERT … ON CONFLICT; an expired row is taken
 *    over), run `work` on the same connection, store its reply, COMMIT. A concurrent request
 *    with the key waits for that transaction and then answers its reply, or 409 (conflict)
 *    after the lock timeout;
 * 3. if `work` throws, everything rolls back: no key is stored, and a retry runs afresh. A
 *    refused or failed write has had no effect, so there is no failure to replay.
 */
export class IdempotentWrites implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('IdempotentWrites');
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly lockTimeoutMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;

  constructor(dataSource: DataSource, o: IdempotentWritesOptions = {}) {
    this.pool = pgPool(dataSource);
    this.table = qualifiedTable(dataSource, 'idempotency_key');
    this.lockTimeoutMs = o.lockTimeoutMs ?? IDEMPOTENCY_LOCK_TIMEOUT_MS;
  }

  /** For a service module: built on the module's DataSource. */
  static provider(o: IdempotentWritesOptions = {}): Provider {
    return {
      provide: IdempotentWrites,
      useFactory: (ds: DataSource) => new IdempotentWrites(ds, o),
      inject: [DataSource],
    };
  }

  async run<T>(r: IdempotentRequest, work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    if (r.key === undefined) return inTransaction(this.pool, {}, (_client, tx) => work(tx));
    const stored = await this.replay<T>(r);
    if (stored) return stored.reply;
    return this.claimAndRun(r, r.key, requestHash(r.operation, r.request), work);
  }

  /**
   * The fast path alone: the stored reply of this request, undefined when the key is new (or
   * expired, or absent), 422 when the key belongs to another request. For a service that must do
   * expensive work outside the transaction (media), to skip it on a replay.
   */
  async replay<T>(r: IdempotentRequest): Promise<{ reply: T } | undefined> {
    if (r.key === undefined) return undefined;
    checkKey(r.key);
    const found = await this.lookup(this.pool, r.scope, r.key);
    if (!found) return undefined;
    if (found.requestHash !== requestHash(r.operation, r.request)) throw mismatch();
    return { reply: found.reply as T };
  }

  /** Deletes expired keys, in batches; answers how many. */
  async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.pool.query({
        name: 'idempotency.sweep',
        text: `DELETE FROM ${this.table} WHERE (scope, key) IN (
            SELECT scope, key FROM ${this.table}
            WHERE created_at < now() - interval '${IDEMPOTENCY_RETENTION_HOURS} hours' LIMIT ${SWEEP_BATCH})`,
      });
      total += r.rowCount ?? 0;
      if ((r.rowCount ?? 0) < SWEEP_BATCH) return total;
    }
  }

  /** Every replica sweeps hourly, at a random offset so that replicas do not all sweep at once. */
  onModuleInit(): void {
    const schedule = (delayMs: number) => {
      this.sweepTimer = setTimeout(() => {
        this.sweeping = this.sweep()
          .then((n) => n > 0 && this.logger.log(`removed ${n} expired idempotency keys`))
          .catch((err: unknown) =>
            this.logger.warn(`idempotency key sweep failed: ${err instanceof Error ? err.message : String(err)}`),
          )
          .finally(() => {
            this.sweeping = undefined;
            if (this.sweepTimer) schedule(SWEEP_EVERY_MS);
          });
      }, delayMs).unref();
    };
    schedule(Math.floor(Math.random() * SWEEP_EVERY_MS));
  }

  /** Stops sweeping, and waits for a sweep in flight: the pool closes after this. */
  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.sweeping;
  }

  private async claimAndRun<T>(
    r: IdempotentRequest,
    key: string,
    hash: string,
    work: (tx: WriteTransaction) => Promise<T>,
  ): Promise<T> {
    return inTransaction(this.pool, { lockTimeoutMs: this.lockTimeout() }, async (client, tx) => {
      let claimed: boolean;
      try {
        const ins = await client.query({
          name: 'idempotency.claim',
          text: `INSERT INTO ${this.table} AS k (scope, key, operation, request_hash) VALUES ($1, $2, $3, $4)
            ON CONFLICT (scope, key) DO UPDATE
              SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash, reply = NULL, created_at = now()
              WHERE k.created_at < now() - interval '${IDEMPOTENCY_RETENTION_HOURS} hours'
            RETURNING 1`,
          values: [r.scope, key, r.operation, hash],
        });
        claimed = ins.rowCount === 1;
      } catch (err) {
        // Another transaction holds the key's row: a request with this key is running right now.
        if (isLockTimeout(err)) throw keyInProgress();
        throw err;
      }
      if (!claimed) {
        // A request with this key committed first (we waited for it, if it was running).
        const winner = await this.lookup(client, r.scope, key);
        if (!winner) throw keyInProgress(); // swept at this very moment: a retry will claim it
        if (winner.requestHash !== hash) throw mismatch();
        return winner.reply as T;
      }
      let reply: T;
      try {
        reply = await work(tx);
      } catch (err) {
        // The work waited too long for a row lock of its own (not the key's): transient.
        if (isLockTimeout(err)) throw new MeshError(ErrorCodes.unavailable, 'the database is busy; try again');
        throw err;
      }
      await client.query({
        name: 'idempotency.store-reply',
        text: `UPDATE ${this.table} SET reply = $3::json WHERE scope = $1 AND key = $2`,
        values: [r.scope, key, JSON.stringify(reply ?? null)],
      });
      return reply;
    });
  }

  private async lookup(db: pg.Pool | pg.PoolClient, scope: string, key: string): Promise<StoredKey | undefined> {
    const found = await db.query<StoredKey>({
      name: 'idempotency.lookup',
      text: `SELECT request_hash AS "requestHash", reply FROM ${this.table}
        WHERE scope = $1 AND key = $2 AND created_at >= now() - interval '${IDEMPOTENCY_RETENTION_HOURS} hours'`,
      values: [scope, key],
    });
    return found.rows[0];
  }

  /** The configured lock timeout, shortened to what is left of the caller's deadline. */
  private lockTimeout(): number {
    const deadline = requestContext.getStore()?.deadline;
    if (deadline === undefined) return this.lockTimeoutMs;
    return Math.max(MIN_LOCK_TIMEOUT_MS, Math.min(this.lockTimeoutMs, deadline - Date.now()));
  }
}

function checkKey(key: string): void {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new MeshError(ErrorCodes.invalid, 'The request is not valid.', [
      { field: 'Idempotency-Key', message: `must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters` },
    ]);
  }
}
