// Event consumer lag through the edge's admin port, against a real mesh: every durable consumer
// of the layout has its gauges in /metrics and its reading in GET /mesh; with feed's replica
// stopped (SIGTERM to its real pid) posts pile up on feed's consumer — its pending rises by the
// posts written, and only feed's — and once a replica is back it drains to 0 and the home feed
// holds every post once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventConsumers } from '#contracts';
import { expectEventually, http, scaleToZero, startTestMesh, type TestMesh } from '#testing';

let mesh: TestMesh;
let url: string;
let admin: string;
type Account = { token: string; user: { id: string; username: string } };
let reader: Account;
let writer: Account;
/** When beforeAll's follow was acknowledged: readings taken less than a second after may predate its events (relayed from the outbox just after). */
let followedAt: number;

const FEED_POSTS = 'feed--events-posts-created';

/** Each sample of a metric, by its labels, as /metrics says now. */
async function gauge(name: string): Promise<Map<string, number>> {
  const res = await fetch(`${admin}/metrics`);
  expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8']);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`).exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    out.set(`${labels.service}/${labels.consumer}`, Number(m[2]));
  }
  return out;
}
const pendingOf = async (consumer: string) =>
  (await gauge('event_consumer_pending')).get(`${consumer.split('--')[0]}/${consumer}`);
const meshConsumer = async (consumer: string) =>
  (await http(admin, 'GET', '/mesh')).body.consumers.find((c: { consumer: string }) => c.consumer === consumer);

async function signup(username: string): Promise<Account> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: 'lag password' } });
  expect(res.status).toBe(201);
  return res.body;
}

beforeAll(async () => {
  mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, graph: 1, feed: 1, media: 1, comments: 1, likes: 1, notifications: 1 },
    // Read every half second here (5 s by default), so the test need not wait long for a reading.
    env: { CONSUMER_LAG_INTERVAL_MS: '500' },
  });
  url = mesh.edgeUrl;
  admin = mesh.adminUrl;
  reader = await signup('reader_lag');
  writer = await signup('writer_lag');
  expect((await http(url, 'PUT', '/users/writer_lag/follow', { token: reader.token })).status).toBe(204);
  followedAt = Date.now();
}, 120_000);
afterAll(async () => mesh?.stop());

describe('event consumer lag', () => {
  it('has gauges for every durable consumer of the layout, at 0 while everyone keeps up', async () => {
    const everyone = EventConsumers.map((c) => `${c.owner}/${c.durable}`).sort();
    // Only readings taken after the signups and the follow say anything about them.
    await expectEventually(async () => {
      const readAt = (await http(admin, 'GET', '/mesh')).body.consumers.map((c: { readAt: string }) =>
        Date.parse(c.readAt),
      );
      expect(Math.min(...readAt)).toBeGreaterThan(followedAt + 1000);
    });
    for (const name of [
      'event_consumer_pending',
      'event_consumer_ack_pending',
      'event_consumer_oldest_unacked_seconds',
    ]) {
      await expectEventually(async () => {
        // By name, so that a failure says whose reading is off.
        expect(Object.fromEntries(await gauge(name))).toEqual(Object.fromEntries(everyone.map((c) => [c, 0])));
      });
    }
    const help = await (await fetch(`${admin}/metrics`)).text();
    expect(help).toContain('# TYPE event_consumer_pending gauge');
    const view = await meshConsumer(FEED_POSTS);
    expect(view).toEqual({
      consumer: FEED_POSTS,
      service: 'feed',
      subject: 'events.posts.created',
      pending: 0,
      inFlight: 0,
      oldestUnackedSeconds: 0,
      history: expect.arrayContaining([0]),
      readAt: expect.stringMatching(/Z$/),
      error: null,
    });
    expect((await http(admin, 'GET', '/mesh')).body.consumers.map((c: { consumer: string }) => c.consumer)).toEqual(
      EventConsumers.map((c) => c.durable),
    );
  });

  it("rises by the posts written while feed is down, only on feed's consumer, and drains to 0 when it is back", async () => {
    expect(await scaleToZero(mesh, 'feed')).toEqual([0]);
    const written: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await http(url, 'POST', '/posts', { token: writer.token, body: { text: `while feed is down ${i}` } });
      expect(res.status).toBe(201);
      written.push(res.body.id);
    }
    await expectEventually(async () => expect(await pendingOf(FEED_POSTS)).toBe(written.length), { timeoutMs: 10_000 });
    // media consumes the same subject and is up: it kept up.
    await expectEventually(async () => expect(await pendingOf('media--events-posts-created')).toBe(0));
    const piled = await meshConsumer(FEED_POSTS);
    expect(piled).toMatchObject({ pending: written.length, inFlight: 0, error: null });
    expect(piled.oldestUnackedSeconds).toBeGreaterThan(0);
    expect(piled.history.at(-1)).toBe(written.length);
    expect((await gauge('event_consumer_oldest_unacked_seconds')).get(`feed/${FEED_POSTS}`)).toBeGreaterThan(0);
    // Meanwhile the home feed is built at read time, degraded.
    const during = await http(url, 'GET', '/timeline/home?limit=100', { token: reader.token });
    expect([during.status, during.body.degraded]).toEqual([200, ['feed']]);

    await mesh.addReplica('feed');
    await expectEventually(
      async () => {
        expect(await pendingOf(FEED_POSTS)).toBe(0);
        expect((await gauge('event_consumer_ack_pending')).get(`feed/${FEED_POSTS}`)).toBe(0);
        expect((await gauge('event_consumer_oldest_unacked_seconds')).get(`feed/${FEED_POSTS}`)).toBe(0);
      },
      { timeoutMs: 20_000 },
    );
    const drained = await meshConsumer(FEED_POSTS);
    expect([drained.pending, drained.inFlight]).toEqual([0, 0]);
    // Caught up: every post once, from feed's own rows (not degraded).
    await expectEventually(async () => {
      const after = await http(url, 'GET', '/timeline/home?limit=100', { token: reader.token });
      expect(after.body.degraded).toEqual([]);
      const ids = after.body.items.map((p: { id: string }) => p.id);
      expect(ids).toEqual([...written].reverse());
    });
  }, 60_000);
});
