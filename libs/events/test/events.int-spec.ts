// Durable event consumers against a real nats-server with JetStream: the streams created by
// replicas starting together, one delivery per service shared by its replicas, retries with a
// delay, a poison event dead-lettered after N attempts without holding up the events behind it,
// a drain that finishes what it holds, and catching up after having been away.
import { randomUUID } from 'node:crypto';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durableName, Events, EVENTS_STREAM, MeshHeaders, type EventSubject, type PostDeletedEvent } from '#contracts';
import { createLogger, currentRequestId } from '#runtime';
import {
  DEADLETTER_STREAM,
  consumerConfig,
  DeadLetterHeaders,
  ensureConsumer,
  ensureEventStreams,
  EVENTS_DUPLICATE_WINDOW_MS,
  startEventConsumers,
  type EventConsumerSettings,
  type EventHandlers,
  type RunningEventConsumers,
} from '#events';
import { expectEventually, startNatsServer, type NatsServerHandle } from '#testing';

const logger = createLogger({ service: 'test', level: 'silent' });
/** The consumer's settings, and the ack wait the provisioner gives its durable. */
type Settings = EventConsumerSettings & { ackWaitMs: number };
const settings: Settings = { maxDeliver: 3, ackWaitMs: 2000, retryBackoffMs: 50, concurrency: 4 };

let nats: NatsServerHandle;
let nc: NatsConnection;
let js: JetStreamClient;
const running: RunningEventConsumers[] = [];
const connections: NatsConnection[] = [];

beforeAll(async () => {
  // Unprovisioned: the streams are made by replicas' provisioners below; consumers per test.
  nats = await startNatsServer({ provision: false });
  nc = await connect({ servers: nats.url });
  js = jetstream(nc);
});
afterAll(async () => {
  for (const r of running) await r.stop(1000);
  for (const c of connections) await c.close();
  await nc?.close();
  await nats?.stop();
});

const deleted = (facts: Partial<PostDeletedEvent> = {}): PostDeletedEvent => ({
  eventId: randomUUID(),
  occurredAt: new Date().toISOString(),
  postId: randomUUID(),
  authorId: randomUUID(),
  mediaIds: [],
  ...facts,
});
// Every consumer starts from the oldest event kept, so each test looks only at its own events.
const publish = (event: unknown, subject: string = Events.posts.deleted) =>
  js.publish(subject, JSON.stringify(event), { msgID: (event as { eventId?: string }).eventId });

/** What the provisioner does for a service of the layout: its durables, made ahead. */
async function provisionConsumers(service: string, subjects: string[], ackWaitMs: number): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const subject of subjects) {
    const c = {
      stream: EVENTS_STREAM,
      durable: durableName(service, subject),
      filter: subject as EventSubject,
      owner: service,
    };
    await ensureConsumer(jsm, c, consumerConfig(c, { ackWaitMs }));
  }
}

/** A replica of `service`: its own connection, as a real replica would have. */
async function consumer(
  service: string,
  handlers: EventHandlers,
  s: Settings = settings,
): Promise<RunningEventConsumers> {
  await provisionConsumers(service, Object.keys(handlers), s.ackWaitMs);
  const conn = await connect({ servers: nats.url });
  connections.push(conn);
  const r = await startEventConsumers(conn, { service, handlers, settings: s, logger });
  running.push(r);
  return r;
}

async function deadLetters(service: string) {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(DEADLETTER_STREAM, { subjects_filter: `deadletter.${service}.>` });
  const out: Array<{ subject: string; event: unknown; headers: Record<string, string> }> = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(DEADLETTER_STREAM, { seq }).catch(() => null);
    if (!m || !m.subject.startsWith(`deadletter.${service}.`)) continue;
    const headers = Object.fromEntries(Object.values(DeadLetterHeaders).map((h) => [h, m.header.get(h)]));
    out.push({ subject: m.subject, event: m.json(), headers });
  }
  return out;
}

describe('event streams', () => {
  it('are created once by replicas starting together, and left alone when equal', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureEventStreams(nc, { replicas: 1 })));
    // None failed; JetStream answers an identical add as if it had made it.
    for (const r of results) expect(['created', 'unchanged']).toContain(r[EVENTS_STREAM]);
    expect(await ensureEventStreams(nc, { replicas: 1 })).toEqual({
      [EVENTS_STREAM]: 'unchanged',
      [DEADLETTER_STREAM]: 'unchanged',
    });
    const jsm = await jetstreamManager(nc);
    const events = await jsm.streams.info(EVENTS_STREAM);
    expect(events.config).toMatchObject({
      subjects: ['events.>'],
      storage: 'file',
      num_replicas: 1,
      duplicate_window: EVENTS_DUPLICATE_WINDOW_MS * 1e6,
    });
    expect((await jsm.streams.info(DEADLETTER_STREAM)).config.subjects).toEqual(['deadletter.>']);
  });

  it('are updated when a setting we own differs, keeping the rest', async () => {
    const jsm = await jetstreamManager(nc);
    const found = await jsm.streams.info(DEADLETTER_STREAM);
    await jsm.streams.update(DEADLETTER_STREAM, { ...found.config, duplicate_window: 1e9, max_msgs: 12345 });
    expect((await ensureEventStreams(nc, { replicas: 1 }))[DEADLETTER_STREAM]).toBe('updated');
    const after = (await jsm.streams.info(DEADLETTER_STREAM)).config;
    expect(after.duplicate_window).toBe(EVENTS_DUPLICATE_WINDOW_MS * 1e6);
    expect(after.max_msgs).toBe(12345);
  });

  it('drop a re-publish of the same event id (the relay crashed before marking it sent)', async () => {
    const event = deleted();
    const first = await publish(event);
    const again = await publish(event);
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(first.seq);
  });
});

describe('event consumers', () => {
  it('hand each event to one replica of a service, and to every service', async () => {
    const seen = { a1: [] as string[], a2: [] as string[], b: [] as string[] };
    const record = (into: string[]) => (e: PostDeletedEvent) => (into.push(e.eventId), Promise.resolve());
    await consumer('svca', { [Events.posts.deleted]: record(seen.a1) });
    await consumer('svca', { [Events.posts.deleted]: record(seen.a2) });
    await consumer('svcb', { [Events.posts.deleted]: record(seen.b) });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const e = deleted();
      ids.push(e.eventId);
      await publish(e);
    }
    await expectEventually(() => {
      expect(new Set([...seen.a1, ...seen.a2].filter((id) => ids.includes(id)))).toEqual(new Set(ids));
      expect(seen.b.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    });
    // Once per service: never both replicas of svca.
    expect([...seen.a1, ...seen.a2].filter((id) => ids.includes(id))).toHaveLength(40);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.consumers.info(EVENTS_STREAM, durableName('svca', Events.posts.deleted));
    expect(info.config).toMatchObject({ durable_name: 'svca--events-posts-deleted', ack_policy: 'explicit' });
    await expectEventually(async () =>
      expect((await jsm.consumers.info(EVENTS_STREAM, 'svca--events-posts-deleted')).num_ack_pending).toBe(0),
    );
  });

  it('retry a failed handler after a delay, and stop once it succeeds', async () => {
    const attempts: Array<{ attempt: number; at: number }> = [];
    const target = deleted();
    await consumer('svcretry', {
      [Events.posts.deleted]: (e, d) => {
        if (e.eventId !== target.eventId) return Promise.resolve();
        attempts.push({ attempt: d.attempt, at: Date.now() });
        return d.attempt < 3 ? Promise.reject(new Error(`flaky ${d.attempt}`)) : Promise.resolve();
      },
    });
    await publish(target);
    await expectEventually(() => expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]));
    // 50 ms, then 100 ms (doubling).
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(45);
    expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(95);
    await new Promise((r) => setTimeout(r, 300));
    expect(attempts).toHaveLength(3);
    expect(await deadLetters('svcretry')).toEqual([]);
  });

  it('dead-letter a poison event after N attempts, without blocking the events behind it', async () => {
    const poison = deleted();
    const behind = Array.from({ length: 20 }, () => deleted());
    const handled: string[] = [];
    const isBehind = (id: string) => behind.some((b) => b.eventId === id);
    let poisonAttempts = 0;
    let handledBeforeDeadLetter = -1;
    // Slow retries, so the events behind are all done long before the poison's last attempt.
    await consumer(
      'svcpoison',
      {
        [Events.posts.deleted]: (e) => {
          if (e.eventId === poison.eventId) {
            poisonAttempts++;
            if (poisonAttempts === 3) handledBeforeDeadLetter = handled.length;
            return Promise.reject(new Error('cannot handle this one'));
          }
          if (isBehind(e.eventId)) handled.push(e.eventId);
          return Promise.resolve();
        },
      },
      { ...settings, retryBackoffMs: 200, concurrency: 1 },
    );
    await publish(poison);
    for (const e of behind) await publish(e);
    await expectEventually(async () => expect(await deadLetters('svcpoison')).toHaveLength(1), { timeoutMs: 10_000 });
    expect(poisonAttempts).toBe(3);
    // With one handler at a time, the 20 behind it ran between its attempts.
    expect(handledBeforeDeadLetter).toBe(20);
    expect(handled).toHaveLength(20);
    const [letter] = await deadLetters('svcpoison');
    expect(letter).toMatchObject({
      subject: 'deadletter.svcpoison.events.posts.deleted',
      event: poison,
      headers: {
        [DeadLetterHeaders.reason]: 'failed',
        [DeadLetterHeaders.error]: 'cannot handle this one',
        [DeadLetterHeaders.attempts]: '3',
        [DeadLetterHeaders.service]: 'svcpoison',
        [DeadLetterHeaders.subject]: Events.posts.deleted,
      },
    });
    // Terminated, not left to come back after the ack wait: nothing is pending for the consumer.
    const jsm = await jetstreamManager(nc);
    await expectEventually(async () =>
      expect(await jsm.consumers.info(EVENTS_STREAM, 'svcpoison--events-posts-deleted')).toMatchObject({
        num_ack_pending: 0,
        num_redelivered: 0,
      }),
    );
    expect(poisonAttempts).toBe(3);
  });

  it('dead-letter at once an event that breaks the contract (no retry could help)', async () => {
    const bad = { eventId: randomUUID(), occurredAt: 'yesterday', postId: 'not-a-uuid' };
    let calls = 0;
    await consumer('svcinvalid', {
      [Events.posts.deleted]: (e) => {
        if (e.eventId === bad.eventId) calls++;
        return Promise.resolve();
      },
    });
    await publish(bad);
    await expectEventually(async () => expect(await deadLetters('svcinvalid')).toHaveLength(1));
    const [letter] = await deadLetters('svcinvalid');
    expect(letter.event).toEqual(bad);
    expect(letter.headers[DeadLetterHeaders.reason]).toBe('invalid');
    expect(letter.headers[DeadLetterHeaders.attempts]).toBe('1');
    expect(calls).toBe(0);
  });

  it('dead-letter an event whose attempts never finished (its replica hung or died mid-handler)', async () => {
    const stuck = deleted();
    let calls = 0;
    // One attempt allowed; the handler never returns, so the ack wait (1 s) runs out and the
    // event comes back: it is dead-lettered then, without running the handler again.
    await consumer(
      'svcunfinished',
      {
        [Events.posts.deleted]: (e) => {
          if (e.eventId !== stuck.eventId) return Promise.resolve();
          calls++;
          return new Promise<void>(() => undefined);
        },
      },
      // Hung, not slow: it stops saying it is working at once.
      { ...settings, maxDeliver: 1, ackWaitMs: 1000, workingForMs: 0 },
    );
    await publish(stuck);
    // (The invalid event of the test above is in this new consumer's past too: look at ours.)
    const ours = async () =>
      (await deadLetters('svcunfinished')).filter((l) => (l.event as any)?.eventId === stuck.eventId);
    await expectEventually(async () => expect(await ours()).toHaveLength(1), { timeoutMs: 5000 });
    const [letter] = await ours();
    expect(letter.event).toEqual(stuck);
    expect(letter.headers).toMatchObject({
      [DeadLetterHeaders.reason]: 'unfinished',
      [DeadLetterHeaders.attempts]: '2',
    });
    expect(calls).toBe(1);
  });

  it('keep a slow handler its one attempt past the ack wait: not handed out again, not dead-lettered', async () => {
    const slow = deleted();
    const attempts: number[] = [];
    // The ack wait is 1 s and one attempt is allowed; the handler takes 3 s, saying it is working.
    await consumer(
      'svcslow',
      {
        [Events.posts.deleted]: async (e, d) => {
          if (e.eventId !== slow.eventId) return;
          attempts.push(d.attempt);
          await new Promise((r) => setTimeout(r, 3000));
        },
      },
      { ...settings, maxDeliver: 1, ackWaitMs: 1000 },
    );
    await publish(slow);
    await expectEventually(() => Promise.resolve(expect(attempts).toEqual([1])), { timeoutMs: 5000 });
    const jsm = await jetstreamManager(nc);
    await expectEventually(
      async () =>
        expect(await jsm.consumers.info(EVENTS_STREAM, durableName('svcslow', Events.posts.deleted))).toMatchObject({
          num_pending: 0,
          num_ack_pending: 0,
        }),
      { timeoutMs: 8000 },
    );
    expect(attempts).toEqual([1]);
    expect((await deadLetters('svcslow')).filter((l) => (l.event as any)?.eventId === slow.eventId)).toEqual([]);
  });

  it('drain: finish the handlers in flight, and leave the rest to a sibling at once', async () => {
    const events = Array.from({ length: 8 }, () => deleted());
    const ours = (id: string) => events.some((e) => e.eventId === id);
    const done: string[] = [];
    const started: string[] = [];
    const slow = await consumer(
      'svcdrain',
      {
        [Events.posts.deleted]: async (e) => {
          if (!ours(e.eventId)) return;
          started.push(e.eventId);
          await new Promise((r) => setTimeout(r, 300));
          done.push(e.eventId);
        },
      },
      { ...settings, concurrency: 2 },
    );
    for (const e of events) await publish(e);
    await expectEventually(() => expect(started.length).toBeGreaterThanOrEqual(2));
    const stopping = Date.now();
    await slow.stop(5000);
    // Those it had started, it finished before stop resolved; nothing is left half-done.
    expect(done.length).toBe(started.length);
    // The handlers' 300 ms, plus at most the pull in progress running out (1 s).
    expect(Date.now() - stopping).toBeLessThan(1500);
    const sibling: string[] = [];
    const t0 = Date.now();
    await consumer('svcdrain', {
      [Events.posts.deleted]: (e) => {
        if (ours(e.eventId)) sibling.push(e.eventId);
        return Promise.resolve();
      },
    });
    await expectEventually(() => expect(new Set([...done, ...sibling])).toEqual(new Set(events.map((e) => e.eventId))));
    // The ones it had pulled but not started were handed back (nak), not held for the ack wait.
    expect(Date.now() - t0).toBeLessThan(settings.ackWaitMs / 2);
  });

  it('an event arriving while its replica stops is handed back once, not redelivered into the stopping pull', async () => {
    // A stopping replica naks what its last pull still brings. An immediate nak put the event
    // straight back into that same pull (up to its max_messages times within its second), and
    // the next replica dead-lettered it as delivered too often without an attempt finishing.
    const idle = await consumer(
      'svcstopping',
      { [Events.posts.deleted]: () => Promise.resolve() },
      {
        ...settings,
        concurrency: 16,
      },
    );
    // Its pull is waiting for events now; the stop lets it run out (up to 1 s).
    await new Promise((r) => setTimeout(r, 300));
    const stopped = idle.stop(1000);
    const late = deleted();
    await publish(late);
    await stopped;
    const seen: string[] = [];
    let attempt = 0;
    await consumer('svcstopping', {
      [Events.posts.deleted]: (e, m) => {
        if (e.eventId === late.eventId) attempt = m.attempt;
        seen.push(e.eventId);
        return Promise.resolve();
      },
    });
    await expectEventually(() => expect(seen).toContain(late.eventId), { timeoutMs: 10_000 });
    // At most one delivery to the stopping replica (it was 3 with an immediate nak).
    expect(attempt).toBeLessThanOrEqual(2);
    // (Earlier tests' poison events are this new durable's dead letters too: only ours counts.)
    const ours = (await deadLetters('svcstopping')).filter(
      (d) => (d.event as { eventId?: string }).eventId === late.eventId,
    );
    expect(ours.map((d) => d.headers)).toEqual([]);
  });

  it('run the handler in the context of the request whose write produced the event', async () => {
    const seen = new Map<string, string | undefined>();
    await consumer('svccontext', {
      [Events.posts.deleted]: (e) => (seen.set(e.eventId, currentRequestId()), Promise.resolve()),
    });
    const withId = deleted();
    const h = headers();
    h.set(MeshHeaders.requestId, 'req-from-the-edge');
    await js.publish(Events.posts.deleted, JSON.stringify(withId), { msgID: withId.eventId, headers: h });
    const without = deleted();
    await publish(without);
    await expectEventually(() => {
      expect(seen.get(withId.eventId)).toBe('req-from-the-edge');
      // Without one (an event from outside a request), the event id stands in.
      expect(seen.get(without.eventId)).toBe(without.eventId);
    });
  });

  it('bind again when the consumer was deleted by hand and the provisioner made it again, and go on', async () => {
    const seen: string[] = [];
    await consumer('svcrecreate', { [Events.posts.deleted]: (e) => (seen.push(e.eventId), Promise.resolve()) });
    const first = deleted();
    await publish(first);
    await expectEventually(() => expect(seen).toContain(first.eventId));
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(EVENTS_STREAM, 'svcrecreate--events-posts-deleted');
    await provisionConsumers('svcrecreate', [Events.posts.deleted], settings.ackWaitMs);
    const second = deleted();
    await publish(second);
    await expectEventually(() => expect(seen).toContain(second.eventId), { timeoutMs: 10_000 });
  });

  it('catch up on the events published while the service had no replica', async () => {
    const first = await consumer('svccatchup', { [Events.posts.deleted]: () => Promise.resolve() });
    await first.stop(1000);
    const missed = Array.from({ length: 30 }, () => deleted());
    for (const e of missed) await publish(e);
    const seen: string[] = [];
    await consumer('svccatchup', { [Events.posts.deleted]: (e) => (seen.push(e.eventId), Promise.resolve()) });
    await expectEventually(() => expect(seen.filter((id) => missed.some((m) => m.eventId === id))).toHaveLength(30));
  });
});
