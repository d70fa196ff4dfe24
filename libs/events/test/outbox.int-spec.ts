// The transactional outbox against real PostgreSQL and a real nats-server with JetStream: an
// event exists if and only if its change committed; it is published once, with its id as the
// Nats-Msg-Id, also when the replica that wrote it never published it, when a relay dies between
// publish and mark, and when several replicas' relays race for the same rows.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Events, type PostDeletedEvent } from '#contracts';
import { createLogger, requestContext } from '#runtime';
import { ensureEventStreams, EVENTS_STREAM, Outbox, OutboxRelay } from '#events';
import { inTransaction, pgPool } from '#persistence';
import { dropSchemas, expectEventually, freshSchema, sql, startNatsServer, type NatsServerHandle } from '#testing';
import { startOutboxProducer, type OutboxProducer } from './outbox-producer.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const schema = freshSchema('outbox');
let nats: NatsServerHandle;
let nc: NatsConnection;
let ds: DataSource;
let outbox: Outbox;
let deletePost: OutboxProducer['deletePost'];
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  await ensureEventStreams(nc, { replicas: 1 });
  ({ ds, outbox, deletePost } = await startOutboxProducer(schema, logger));
});
afterAll(async () => {
  for (const r of relays) await r.stop();
  await ds?.destroy();
  await nc?.close();
  await nats?.stop();
  await dropSchemas(schema);
});

/** Another replica of the producer: its own relay on its own connection and pool. */
async function relay(o: { pollMs?: number; batchSize?: number; outboxOf?: Outbox } = {}) {
  const conn = await connect({ servers: nats.url });
  const r = new OutboxRelay(ds, o.outboxOf ?? new Outbox(ds), conn, {
    logger,
    pollMs: o.pollMs ?? 100,
    batchSize: o.batchSize,
  });
  relays.push(r);
  const stop = r.stop.bind(r);
  r.stop = async () => {
    await stop();
    if (!conn.isClosed()) await conn.close();
  };
  return r;
}

/** Every message in EVENTS, as parsed JSON with its Nats-Msg-Id. */
async function streamEvents(): Promise<Array<{ msgId: string | undefined; event: PostDeletedEvent }>> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(EVENTS_STREAM);
  const out: Array<{ msgId: string | undefined; event: PostDeletedEvent }> = [];
  for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
    // A message deleted from the middle (as a lost one is, below) leaves a gap.
    const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq }).catch(() => null);
    if (!m) continue;
    out.push({ msgId: m.header.get('Nats-Msg-Id') || undefined, event: m.json<PostDeletedEvent>() });
  }
  return out;
}
const copiesOf = async (eventId: string) => (await streamEvents()).filter((e) => e.event.eventId === eventId);
const unpublished = async () =>
  Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".outbox WHERE published_at IS NULL`))[0].n);

describe('the outbox', () => {
  it('keeps an event only if its change committed', async () => {
    await expect(deletePost({ fail: true })).rejects.toThrow('the write failed');
    expect(await sql(`SELECT * FROM "${schema}".outbox`)).toEqual([]);
    const event = await deletePost();
    const rows = await sql(`SELECT id, subject, payload, headers, published_at FROM "${schema}".outbox`);
    expect(rows).toEqual([
      { id: event.eventId, subject: Events.posts.deleted, payload: event, headers: {}, published_at: null },
    ]);
    expect(event).toEqual({
      eventId: expect.any(String),
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      postId: expect.any(String),
      authorId: expect.any(String),
      mediaIds: [],
    });
  });

  it('refuses an event that breaks its contract, failing the write', async () => {
    await expect(
      inTransaction(pgPool(ds), {}, (_c, tx) =>
        outbox.add(tx, Events.posts.deleted, { postId: 'nope', authorId: randomUUID(), mediaIds: [] }),
      ),
    ).rejects.toThrow();
  });

  it('publishes an event its replica never published (relay off, or killed after the commit): once', async () => {
    // The row of the previous test and a new one, written with no relay running anywhere.
    const event = await deletePost();
    expect(await unpublished()).toBe(2);
    expect(await copiesOf(event.eventId)).toEqual([]);
    // A sibling replica's relay finds them by polling.
    const sibling = await relay();
    sibling.start();
    await expectEventually(async () => expect(await unpublished()).toBe(0));
    expect(await copiesOf(event.eventId)).toEqual([{ msgId: event.eventId, event }]);
    await sibling.stop();
  });

  it('wakes at once after a local commit, not at the next poll', async () => {
    const local = await relay({ pollMs: 60_000, outboxOf: outbox });
    local.start();
    await expectEventually(async () => expect(await unpublished()).toBe(0));
    const started = Date.now();
    const event = await deletePost();
    await expectEventually(async () => expect(await copiesOf(event.eventId)).toHaveLength(1), { intervalMs: 5 });
    expect(Date.now() - started).toBeLessThan(1000);
    await local.stop();
  });

  it('publishes once when a relay died between the publish and marking the row', async () => {
    const event = await deletePost();
    // What the dead relay did: the publish, acknowledged, but no UPDATE committed.
    await jetstream(nc).publish(Events.posts.deleted, JSON.stringify(event), { msgID: event.eventId });
    expect(await copiesOf(event.eventId)).toHaveLength(1);
    const next = await relay();
    next.start();
    await expectEventually(async () => expect(await unpublished()).toBe(0));
    // JetStream's duplicate window dropped the second publish.
    expect(await copiesOf(event.eventId)).toHaveLength(1);
    await next.stop();
  });

  it('publishes with the request id and trace context of the write that added the event', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const event = await requestContext.run({ requestId: 'req-outbox-1', traceparent }, () => deletePost());
    const r = await relay();
    r.start();
    await expectEventually(async () => expect(await unpublished()).toBe(0));
    await r.stop();
    const jsm = await jetstreamManager(nc);
    const { state } = await jsm.streams.info(EVENTS_STREAM);
    const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq: state.last_seq });
    expect(m?.json<PostDeletedEvent>().eventId).toBe(event.eventId);
    expect(m?.header.get('x-request-id')).toBe('req-outbox-1');
    expect(m?.header.get('traceparent')).toBe(traceparent);
  });

  it('never publishes a row twice when three replicas relay the same backlog', async () => {
    const before = (await streamEvents()).length;
    const events: PostDeletedEvent[] = [];
    for (let i = 0; i < 300; i++) events.push(await deletePost());
    const racing = await Promise.all([1, 2, 3].map(() => relay({ pollMs: 20, batchSize: 25 })));
    const published: string[] = [];
    // Count every JetStream publish the relays make, duplicates JetStream would drop included.
    const sub = nc.subscribe(`${Events.posts.deleted}`, {
      callback: (_e, m) => {
        published.push(m.json<PostDeletedEvent>().eventId);
      },
    });
    await nc.flush();
    racing.forEach((r) => r.start());
    await expectEventually(async () => expect(await unpublished()).toBe(0), { timeoutMs: 15_000 });
    sub.unsubscribe();
    for (const r of racing) await r.stop();
    const ids = new Set(events.map((e) => e.eventId));
    expect(published.filter((id) => ids.has(id)).sort()).toEqual([...ids].sort());
    expect((await streamEvents()).length - before).toBe(300);
  });

  it('publishes again, under a new message id, an acknowledged event JetStream lost; the others stay once', async () => {
    const r = await relay();
    r.start();
    await expectEventually(async () => expect(await unpublished()).toBe(0));
    const since = new Date();
    const [lostOne, keptOne] = [await deletePost(), await deletePost()];
    await expectEventually(async () => expect(await unpublished()).toBe(0));
    const [row] = await sql<{ stream_seq: string }>(`SELECT stream_seq FROM "${schema}".outbox WHERE id = $1`, [
      lostOne.eventId,
    ]);
    // Each row keeps the sequence its acknowledgement gave: the message there is its event.
    const jsm = await jetstreamManager(nc);
    const stored = await jsm.streams.getMessage(EVENTS_STREAM, { seq: Number(row.stream_seq) });
    expect(stored?.header.get('Nats-Msg-Id')).toBe(lostOne.eventId);
    // What a leader change can do: the acknowledged message gone from the stream.
    await jsm.streams.deleteMessage(EVENTS_STREAM, Number(row.stream_seq));
    expect(await copiesOf(lostOne.eventId)).toEqual([]);

    expect(await r.audit(since)).toEqual({ checked: 2, lost: 1 });
    await expectEventually(async () => expect(await copiesOf(lostOne.eventId)).toHaveLength(1));
    expect(await copiesOf(lostOne.eventId)).toEqual([{ msgId: `${lostOne.eventId}:1`, event: lostOne }]);
    expect(await copiesOf(keptOne.eventId)).toEqual([{ msgId: keptOne.eventId, event: keptOne }]);
    expect(
      await sql(`SELECT republished, published_at IS NOT NULL AS published FROM "${schema}".outbox WHERE id = $1`, [
        lostOne.eventId,
      ]),
    ).toEqual([{ republished: 1, published: true }]);
    // Checked again, both are where their acknowledgements say: nothing more is published.
    expect(await r.audit(since)).toEqual({ checked: 2, lost: 0 });
    await r.stop();
  });

  it('prunes published rows after they have been kept long enough', async () => {
    const r = await relay();
    await sql(`UPDATE "${schema}".outbox SET published_at = now() - interval '2 hours' WHERE published_at IS NOT NULL`);
    const pending = await deletePost();
    const kept = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".outbox`);
    expect(await r.prune()).toBe(Number(kept[0].n) - 1);
    expect(await sql(`SELECT id FROM "${schema}".outbox`)).toEqual([{ id: pending.eventId }]);
  });
});
