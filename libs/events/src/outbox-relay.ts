// Publishes a service's outbox into JetStream. Every replica of the producer runs one: it claims
// unpublished rows with `FOR UPDATE SKIP LOCKED` (so siblings never publish the same row at the
// same time), publishes each with `Nats-Msg-Id` = the event id, waits for JetStream's acks, and
// marks the acknowledged rows published in the same transaction. It runs right after a local
// commit added events, and polls too, for rows whose replica died before publishing them.
//
// A relay killed after the publish and before its UPDATE committed leaves the rows unpublished:
// they are published again, and the stream's duplicate window (10 min) drops the copies.
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { EVENTS_STREAM } from './event-streams.js';
import { pgPool, inTransaction } from '#persistence';
import type { Outbox } from './outbox.js';

export interface OutboxRelayOptions {
  logger: Logger;
  /** The fallback poll; a local commit wakes the relay at once. */
  pollMs: number;
  /** Rows claimed and published per transaction. */
  batchSize?: number;
  /**
   * The longest a publish waits for JetStream's ack. Below the sessions' 3 s
   * idle_in_transaction_session_timeout, which would otherwise end the claiming transaction.
   */
  publishTimeoutMs?: number;
  /** Published rows are deleted after this (they only serve someone reading the table). */
  keepPublishedMs?: number;
}

const PRUNE_EVERY_MS = 60_000;

interface OutboxRow {
  id: string;
  subject: string;
  payload: unknown;
  headers: Record<string, string> | null;
}

export class OutboxRelay {
  private readonly pool: pg.Pool;
  private readonly js: JetStreamClient;
  private readonly batchSize: number;
  private readonly publishTimeoutMs: number;
  private readonly keepPublishedMs: number;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private pollTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    dataSource: DataSource,
    private readonly outbox: Outbox,
    nc: NatsConnection,
    private readonly o: OutboxRelayOptions,
  ) {
    this.pool = pgPool(dataSource);
    this.js = jetstream(nc);
    this.batchSize = o.batchSize ?? 200;
    this.publishTimeoutMs = o.publishTimeoutMs ?? 2000;
    this.keepPublishedMs = o.keepPublishedMs ?? 3_600_000;
    outbox.onCommitted(() => this.wake());
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const poll = () => {
      this.pollTimer = setTimeout(() => {
        this.wake();
        poll();
      }, this.o.pollMs);
      this.pollTimer.unref();
    };
    poll();
    const prune = (delayMs: number) => {
      this.pruneTimer = setTimeout(() => {
        this.prune()
          .catch((err: unknown) => this.o.logger.warn({ err: errorText(err) }, 'outbox prune failed'))
          .finally(() => {
            if (!this.stopped) prune(PRUNE_EVERY_MS);
          });
      }, delayMs);
      this.pruneTimer.unref();
    };
    // Replicas prune at random offsets, not all at once.
    prune(Math.floor(Math.random() * PRUNE_EVERY_MS));
    this.wake();
  }

  /** Runs a pass now, or right after the one in progress (which may have missed the new rows). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.passes().finally(() => (this.running = undefined));
  }

  /**
   * Stops polling, finishes the pass in progress, then makes one last pass for what was
   * committed meanwhile (requests the replica finished while draining). Rows it cannot publish
   * now wait for a sibling's poll or this service's next start.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.pruneTimer);
    await this.running;
    await this.publishPending().catch((err: unknown) =>
      this.o.logger.warn({ err: errorText(err) }, 'outbox: last pass at stop failed; rows wait for another replica'),
    );
  }

  /** Passes until one publishes less than a full batch and no wake-up came meanwhile. */
  private async passes(): Promise<void> {
    do {
      this.again = false;
      try {
        while ((await this.publishPending()) === this.batchSize && !this.stopped) this.again = false;
        if (this.failing) this.o.logger.info('outbox: publishing again');
        this.failing = false;
      } catch (err) {
        // Once per outage, not once per poll.
        if (!this.failing) this.o.logger.warn({ err: errorText(err) }, 'outbox: cannot publish now; will retry');
        this.failing = true;
        return;
      }
    } while (this.again && !this.stopped);
  }

  /** One claim-publish-mark transaction; answers how many rows it claimed. */
  async publishPending(): Promise<number> {
    return inTransaction(this.pool, {}, async (client) => {
      const claimed = await client.query<OutboxRow>({
        name: 'outbox.claim',
        text: `SELECT id, subject, payload, headers FROM ${this.outbox.table} WHERE published_at IS NULL
          ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        values: [this.batchSize],
      });
      if (claimed.rows.length === 0) return 0;
      // All sent at once, in claim order, on one connection: JetStream stores them in that order.
      const acks = await Promise.allSettled(
        claimed.rows.map((r) =>
          this.js.publish(r.subject, JSON.stringify(r.payload), {
            msgID: r.id,
            headers: toHeaders(r.headers),
            expect: { streamName: EVENTS_STREAM },
            timeout: this.publishTimeoutMs,
          }),
        ),
      );
      const published = claimed.rows.filter((_, i) => acks[i].status === 'fulfilled').map((r) => r.id);
      if (published.length > 0) {
        await client.query({
          name: 'outbox.mark-published',
          text: `UPDATE ${this.outbox.table} SET published_at = now() WHERE id = ANY($1::uuid[])`,
          values: [published],
        });
      }
      const failed = acks.find((a): a is PromiseRejectedResult => a.status === 'rejected');
      if (failed) {
        // Commit what was acknowledged, then report: the rest are claimed again next pass.
        if (published.length === 0) throw failed.reason;
        this.o.logger.warn(
          {
            published: published.length,
            failed: claimed.rows.length - published.length,
            err: errorText(failed.reason),
          },
          'outbox: some events were not acknowledged; will retry',
        );
      }
      return claimed.rows.length;
    });
  }

  /** Deletes published rows older than keepPublishedMs, in batches; answers how many. */
  async prune(): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.pool.query({
        name: 'outbox.prune',
        text: `DELETE FROM ${this.outbox.table} WHERE id IN (
            SELECT id FROM ${this.outbox.table}
            WHERE published_at IS NOT NULL AND published_at < now() - $1 * interval '1 millisecond' LIMIT 5000)`,
        values: [this.keepPublishedMs],
      });
      total += r.rowCount ?? 0;
      if ((r.rowCount ?? 0) < 5000) return total;
    }
  }
}

function toHeaders(stored: Record<string, string> | null) {
  const h = headers();
  for (const [k, v] of Object.entries(stored ?? {})) h.set(k, v);
  return h;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
