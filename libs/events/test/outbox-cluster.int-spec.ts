// The outbox relay's audit on a real 3-node JetStream cluster: when EVENTS changes leader, the
// rows acknowledged shortly before are checked against the stream, and one whose message is gone
// (what a leader change has been seen to do, simulated here by deleting it) is published again —
// the relay noticing the change by itself, with nothing but the stream's leader to go on.
import type { DataSource } from 'typeorm';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#runtime';
import { ensureEventStreams, EVENTS_STREAM, OutboxRelay, type Outbox } from '#events';
import { dropSchemas, expectEventually, freshSchema, sql, startNatsCluster, type NatsClusterHandle } from '#testing';
import { startOutboxProducer, type OutboxProducer } from './outbox-producer.js';

const logger = createLogger({ service: 'test', level: 'silent' });
const schema = freshSchema('outboxcl');
let cluster: NatsClusterHandle;
let nc: NatsConnection;
let relayNc: NatsConnection;
let ds: DataSource;
let outbox: Outbox;
let write: OutboxProducer['deletePost'];
let relay: OutboxRelay | undefined;

beforeAll(async () => {
  cluster = await startNatsCluster();
  const options = { servers: cluster.servers, maxReconnectAttempts: -1, reconnectTimeWait: 250 };
  nc = await connect(options);
  relayNc = await connect(options);
  await ensureEventStreams(nc, { replicas: 3 });
  ({ ds, outbox, deletePost: write } = await startOutboxProducer(schema, logger));
}, 60_000);
afterAll(async () => {
  await relay?.stop();
  await ds?.destroy();
  await relayNc?.close();
  await nc?.close();
  await cluster?.stop();
  await dropSchemas(schema);
});

describe('the outbox relay on a 3-node cluster', () => {
  it('checks what it had acknowledged when EVENTS changes leader, and publishes a lost event again', async () => {
    const jsm = await jetstreamManager(nc);
    await expectEventually(async () => expect((await jsm.streams.info(EVENTS_STREAM)).cluster?.leader).toBeTruthy(), {
      timeoutMs: 20_000,
    });
    relay = new OutboxRelay(ds, outbox, relayNc, { logger, pollMs: 100, auditMs: 200 });
    relay.start();
    const events = [];
    for (let i = 0; i < 10; i++) events.push(await write());
    const unpublished = async () =>
      Number(
        (await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".outbox WHERE published_at IS NULL`))[0].n,
      );
    await expectEventually(async () => expect(await unpublished()).toBe(0), { timeoutMs: 20_000 });
    // Past a pass or two: the relay has seen who leads.
    await new Promise((r) => setTimeout(r, 600));

    const lost = events[3];
    const [row] = await sql<{ stream_seq: string }>(`SELECT stream_seq FROM "${schema}".outbox WHERE id = $1`, [
      lost.eventId,
    ]);
    await jsm.streams.deleteMessage(EVENTS_STREAM, Number(row.stream_seq));
    const leader = (await jsm.streams.info(EVENTS_STREAM)).cluster!.leader!;
    await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${EVENTS_STREAM}`, '', { timeout: 5000 });
    await expectEventually(
      async () => {
        const now = (await jsm.streams.info(EVENTS_STREAM)).cluster?.leader;
        expect(now && now !== leader).toBe(true);
      },
      { timeoutMs: 20_000 },
    );

    // Found by the relay alone, and published again under <id>:1.
    const copies = async (eventId: string) => {
      const { state } = await jsm.streams.info(EVENTS_STREAM);
      const ids: string[] = [];
      for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq }).catch(() => null);
        if (m && m.json<{ eventId: string }>().eventId === eventId) ids.push(m.header.get('Nats-Msg-Id'));
      }
      return ids;
    };
    await expectEventually(async () => expect(await copies(lost.eventId)).toEqual([`${lost.eventId}:1`]), {
      timeoutMs: 20_000,
    });
    for (const e of events.filter((x) => x !== lost)) expect(await copies(e.eventId)).toEqual([e.eventId]);
  }, 90_000);
});
