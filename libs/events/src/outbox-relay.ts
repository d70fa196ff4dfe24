// Publishes a service's outbox into JetStream. Every replica of the producer runs one: it claims
// unpublished rows with `FOR UPDATE SKIP LOCKED` (so siblings never publish the same row at the
// same time), publishes each with `Nats-Msg-Id` = the event id, waits for JetStream's acks, and
// marks the acknowledged rows published in the same transaction. It runs right after a local
// commit added events, and polls too, for rows whose replica died before publishing them.
//
// A relay killed after the publish and before its UPDATE committed leaves the rows unpublished:
// they are published again, and the stream's duplicate window (10 min) drops the copies.
//
// JetStream may lose a message it acknowledged when its stream changes leader (seen in our
// hosts drill on nats-server 2.9, reported upstream for 2.10). So each row keeps the sequence
// its acknowledgement gave, and every auditMs the relay asks who leads EVENTS; when that changed,
// the rows acknowledged shortly before (AUDIT_LOOKBACK_MS) are checked, each against the message
// at its sequence. A row whose message is gone (or another event took its sequence) is published
// again, under `<id>:<n>` as its Nats-Msg-Id: the stream's duplicate memory may still hold the
// lost one's id. Consumers apply an event once by its own id, so a copy changes nothing.
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
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
  /** How often the relay asks who leads EVENTS (see the header); 0: never. */
  auditMs?: number;
}

const PRUNE_EVERY_MS = 60_000;
/** Rows acknowledged this long before a leader change was noticed are checked. */
const AUDIT_LOOKBACK_MS = 60_000;
/** Rows read per query of an audit. */
const AUDIT_BATCH = 500;
/** The longest one check (stream info, message get) waits for JetStream. */
const AUDIT_CHECK_TIMEOUT_MS = 2000;

interface OutboxRow {
  id: string;
  subject: string;
  payload: unknown;
  headers: Record<string, string> | null;
  republished: number;
}

/** What an audit found: rows whose message was there, and rows published again. */
export interface OutboxAudit {
  checked: number;
  lost: number;
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
  private auditTimer: NodeJS.Timeout | undefined;
  private auditing: Promise<unknown> | undefined;
  /** Who led EVENTS when last asked; undefined before the first answer. */
  private leader: string | undefined;
  private failing = false;
  /** The audit's pass failed last time (NATS or JetStream gone): said once per outage. */
  private auditFailing = false;
  private readonly auditMs: number;
  private readonly jsm: Promise<JetStreamManager>;

  constructor(
    dataSource: DataSource,
    private readonly outbox: Outbox,
    nc: NatsConnection,
    private readonly o: OutboxRelayOptions,
  ) {
    this.pool = pgPool(dataSource);
    this.js = jetstream(nc);
    // No API check at creation: the relay starts before the stream may exist.
    this.jsm = jetstreamManager(nc, { checkAPI: false, timeout: AUDIT_CHECK_TIMEOUT_MS });
    this.jsm.catch(() => undefined);
    this.batchSize = o.batchSize ?? 200;
    this.publishTimeoutMs = o.publishTimeoutMs ?? 2000;
    this.keepPublishedMs = o.keepPublishedMs ?? 3_600_000;
    this.auditMs = o.auditMs ?? 5000;
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
    const audit = () => {
      this.auditTimer = setTimeout(() => {
        this.auditing = this.auditOnLeaderChange()
          .then(() => (this.auditFailing = false))
          .catch((err: unknown) => {
            if (!this.auditFailing)
              this.o.logger.warn({ err: errorText(err) }, 'outbox: cannot audit now; next time again');
            this.auditFailing = true;
          })
          .finally(() => {
            this.auditing = undefined;
            if (!this.stopped) audit();
          });
      }, this.auditMs);
      this.auditTimer.unref();
    };
    if (this.auditMs > 0) audit();
    this.wake();
  }

  /**
   * Asks who leads EVENTS; when another node does than last time, checks the rows acknowledged
   * within AUDIT_LOOKBACK_MS before (see the header). A failed check keeps the old leader, so the
   * next pass checks again.
   */
  private async auditOnLeaderChange(): Promise<void> {
    const info = await (await this.jsm).streams.info(EVENTS_STREAM);
    // Only a leader that hears a majority of its peers is asked: a node cut off from the others
    // may still take itself for the leader and answer from what it alone holds.
    if (!hasQuorum(info.cluster)) return;
    const leader = info.cluster?.leader ?? '';
    if (this.leader !== undefined && leader !== this.leader) {
      const found = await this.audit(new Date(Date.now() - AUDIT_LOOKBACK_MS - this.auditMs));
      this.o.logger.info(
        { from: this.leader, to: leader, ...found },
        'outbox: EVENTS changed leader; checked what it acknowledged',
      );
    }
    this.leader = leader;
  }

  /**
   * Checks every row acknowledged since `since` against the message at its sequence; a row whose
   * message is not there is made unpublished (and published again at once). No transaction is
   * held across the checks (a slow answer while JetStream elects would outlast the sessions'
   * idle-in-transaction timeout): a row is marked only if it still has the sequence that was
   * checked, so a sibling relay auditing at the same time never has it published twice.
   */
  async audit(since: Date): Promise<OutboxAudit> {
    const jsm = await this.jsm;
    let checked = 0;
    let lost = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await this.pool.query<{ id: string; stream_seq: string; republished: number }>({
        name: 'outbox.audit-rows',
        text: `SELECT id, stream_seq, republished FROM ${this.outbox.table}
          WHERE published_at >= $1 AND stream_seq IS NOT NULL AND id > $2 ORDER BY id LIMIT $3`,
        values: [since, after, AUDIT_BATCH],
      });
      const gone: Array<{ id: string; seq: string }> = [];
      for (const r of rows.rows)
        if ((await msgIdAt(jsm, r.stream_seq)) !== msgIdOf(r)) gone.push({ id: r.id, seq: r.stream_seq });
      // Asked again, of a leader that still hears a majority and is the one asked before: a
      // message is lost only if both answers say so.
      if (gone.length > 0) {
        const first = await jsm.streams.info(EVENTS_STREAM);
        const still: Array<{ id: string; seq: string }> = [];
        if (hasQuorum(first.cluster))
          for (const g of gone) {
            const r = rows.rows.find((row) => row.id === g.id)!;
            if ((await msgIdAt(jsm, g.seq)) !== msgIdOf(r)) still.push(g);
          }
        const last = await jsm.streams.info(EVENTS_STREAM);
        const sameLeader = hasQuorum(last.cluster) && last.cluster?.leader === first.cluster?.leader;
        gone.splice(0, gone.length, ...(sameLeader ? still : []));
      }
      if (gone.length > 0) {
        const marked = await this.pool.query<{ id: string }>({
          name: 'outbox.audit-lost',
          text: `UPDATE ${this.outbox.table} o SET published_at = NULL, stream_seq = NULL, republished = republished + 1
            FROM unnest($1::uuid[], $2::bigint[]) AS g(id, seq) WHERE o.id = g.id AND o.stream_seq = g.seq
            RETURNING o.id`,
          values: [gone.map((g) => g.id), gone.map((g) => g.seq)],
        });
        lost += marked.rows.length;
        if (marked.rows.length > 0)
          this.o.logger.warn(
            { events: marked.rows.map((r) => r.id) },
            'outbox: JetStream acknowledged events it no longer holds; publishing them again',
          );
      }
      checked += rows.rows.length;
      if (rows.rows.length < AUDIT_BATCH) break;
      after = rows.rows[rows.rows.length - 1].id;
    }
    if (lost > 0) this.wake();
    return { checked, lost };
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
    clearTimeout(this.auditTimer);
    await this.auditing;
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
        text: `SELECT id, subject, payload, headers, republished FROM ${this.outbox.table} WHERE published_at IS NULL
          ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        values: [this.batchSize],
      });
      if (claimed.rows.length === 0) return 0;
      // All sent at once, in claim order, on one connection: JetStream stores them in that order.
      const acks = await Promise.allSettled(
        claimed.rows.map((r) =>
          this.js.publish(r.subject, JSON.stringify(r.payload), {
            msgID: msgIdOf(r),
            headers: toHeaders(r.headers),
            expect: { streamName: EVENTS_STREAM },
            timeout: this.publishTimeoutMs,
          }),
        ),
      );
      const published: string[] = [];
      const seqs: number[] = [];
      acks.forEach((a, i) => {
        if (a.status !== 'fulfilled') return;
        published.push(claimed.rows[i].id);
        seqs.push(a.value.seq);
      });
      if (published.length > 0) {
        await client.query({
          name: 'outbox.mark-published',
          text: `UPDATE ${this.outbox.table} o SET published_at = now(), stream_seq = a.seq
            FROM unnest($1::uuid[], $2::bigint[]) AS a(id, seq) WHERE o.id = a.id`,
          values: [published, seqs],
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

/**
 * The Nats-Msg-Id of the message at `seq` in EVENTS; null when there is none. Only "no message
 * found" says so: anything else (no leader yet, a timeout) is thrown, proof of nothing.
 */
async function msgIdAt(jsm: JetStreamManager, seq: string): Promise<string | null> {
  const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq: Number(seq) }).catch((err: unknown) => {
    if (/no message found/i.test(errorText(err))) return null;
    throw err;
  });
  return m?.header?.get('Nats-Msg-Id') ?? null;
}

/** A row's Nats-Msg-Id: its event id, then `<id>:<n>` once it was found lost n times. */
function msgIdOf(r: { id: string; republished: number }): string {
  return r.republished > 0 ? `${r.id}:${r.republished}` : r.id;
}

/**
 * Whether a stream's leader hears a majority of its replicas now (a single server: always). A
 * leader cut off from the others sees its peers as not current.
 */
function hasQuorum(cluster: { leader?: string; replicas?: Array<{ current: boolean }> } | undefined): boolean {
  if (!cluster?.leader) return !cluster;
  const replicas = cluster.replicas ?? [];
  const size = replicas.length + 1;
  return 1 + replicas.filter((r) => r.current).length > size / 2;
}
