// Direct messages through the edge, and live delivery over Server-Sent Events across two edge
// replicas: the SSE client on one edge, the sender on the other. Also the fail-soft row for
// messaging: its routes 503 while an open /events stream stays open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, http, startTestMesh, type TestMesh } from '#testing';
import { problem } from './problem.js';
import { openStream, ticketQuery } from './sse.js';

/** Short for the test; the edge reads it once edge.config.ts has SSE_KEEPALIVE_MS (default 15 s). */
const KEEPALIVE_MS = 1000;

let mesh: TestMesh;
let edge1: string;
let edge2: string;
type Account = { token: string; user: { id: string; username: string; displayName: string } };
let alice: Account;
let bob: Account;
let carol: Account;

const summary = (a: Account) => ({ id: a.user.id, username: a.user.username, displayName: a.user.displayName });

async function signup(username: string, displayName: string): Promise<Account> {
  const res = await http(edge1, 'POST', '/auth/signup', {
    body: { username, password: 'message password', displayName },
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** A gauge of an edge's /metrics. */
async function gauge(baseUrl: string, name: string): Promise<number> {
  const text: string = (await http(baseUrl, 'GET', '/metrics')).body;
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  if (!m) throw new Error(`${name} not in /metrics`);
  return Number(m[1]);
}
const live = async (baseUrl: string) => ({
  streams: await gauge(baseUrl, 'edge_live_streams'),
  subscriptions: await gauge(baseUrl, 'edge_live_subscriptions'),
});

beforeAll(async () => {
  mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, messaging: 1 },
    env: { SSE_KEEPALIVE_MS: String(KEEPALIVE_MS), ACCESS_LOG: 'false' },
  });
  edge1 = mesh.edgeUrl;
  edge2 = (await mesh.addEdge()).url;
  [alice, bob, carol] = await Promise.all([
    signup('alice_msg', 'Alice'),
    signup('bob_msg', 'Bob B.'),
    signup('carol_msg', 'Carol'),
  ]);
}, 90_000);
afterAll(async () => mesh?.stop());

describe('GET /events', () => {
  it('is 401 problem+json, not a stream, without a valid token', async () => {
    for (const path of ['/events', '/events?access_token=not-a-token', '/events?ticket=not-a-ticket']) {
      const res = await http(edge1, 'GET', path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toEqual(problem(401));
    }
    const badHeader = await http(edge1, 'GET', '/events', { token: 'nope' });
    expect(badHeader.status).toBe(401);
    expect(badHeader.body).toEqual(problem(401));
  });

  it('delivers a message sent through edge 2 to the recipient on edge 1 and the sender, well under a second', async () => {
    const bobs = await openStream(edge1, { query: await ticketQuery(edge2, bob.token) });
    const alices = await openStream(edge2, { token: alice.token });
    for (const s of [bobs, alices]) {
      expect(s.res.statusCode).toBe(200);
      expect(s.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(s.res.headers['cache-control']).toBe('no-cache, no-transform');
      await s.until(() => s.comments.some((c) => c.text === 'connected'), 2000);
    }
    const latencies: number[] = [];
    const sendMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const sent = await http(edge2, 'POST', '/messages', {
        token: alice.token,
        body: { to: 'bob_msg', text: `hello ${i}` },
      });
      expect(sent.status).toBe(201);
      expect(sent.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        from: summary(alice),
        to: summary(bob),
        text: `hello ${i}`,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      const atBob = await bobs.nextEvent(1000);
      expect(atBob.event).toBe('message');
      expect(JSON.parse(atBob.data)).toEqual(sent.body);
      const atAlice = await alices.nextEvent(1000);
      expect({ event: atAlice.event, data: JSON.parse(atAlice.data) }).toEqual({ event: 'message', data: sent.body });
      latencies.push(atBob.at - started);
      sendMs.push(sent.ms);
    }
    latencies.sort((a, b) => a - b);
    sendMs.sort((a, b) => a - b);
    const p50 = latencies[10];
    const max = latencies[19];
    process.stdout.write(
      `SSE delivery across two edges (POST on edge 2 → event on edge 1): p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms; POST /messages p50 ${sendMs[10].toFixed(1)} ms` +
        '\n',
    );
    expect(max).toBeLessThan(500);
    expect(bobs.events).toHaveLength(20);
    expect(bobs.ended).toBe(false);
    bobs.close();
    alices.close();
    await expectEventually(async () => expect(await live(mesh.adminUrl)).toEqual({ streams: 0, subscriptions: 0 }));
  });

  it('holds one NATS subscription per user, freed when the last of their streams closes', async () => {
    expect(await live(mesh.adminUrl)).toEqual({ streams: 0, subscriptions: 0 });
    const first = await openStream(edge1, { token: carol.token });
    const second = await openStream(edge1, { query: await ticketQuery(edge1, carol.token) });
    const other = await openStream(edge1, { token: bob.token });
    expect(await live(mesh.adminUrl)).toEqual({ streams: 3, subscriptions: 2 });

    // Both of carol's streams get her messages.
    const sent = await http(edge2, 'POST', '/messages', {
      token: bob.token,
      body: { to: 'carol_msg', text: 'to both' },
    });
    expect(sent.status).toBe(201);
    for (const s of [first, second, other]) expect(JSON.parse((await s.nextEvent()).data)).toEqual(sent.body);

    first.close();
    await expectEventually(async () => expect(await live(mesh.adminUrl)).toEqual({ streams: 2, subscriptions: 2 }));
    second.close();
    await expectEventually(async () => expect(await live(mesh.adminUrl)).toEqual({ streams: 1, subscriptions: 1 }));
    other.close();
    await expectEventually(async () => expect(await live(mesh.adminUrl)).toEqual({ streams: 0, subscriptions: 0 }));
    // Nothing is delivered to a user with no stream, and nothing breaks.
    const unseen = await http(edge1, 'POST', '/messages', { token: bob.token, body: { to: 'carol_msg', text: 'x' } });
    expect(unseen.status).toBe(201);
    expect([first, second, other].map((s) => s.events.length)).toEqual([1, 1, 1]);
  });

  it('sends a keep-alive comment at the configured interval', async () => {
    const s = await openStream(edge1, { token: alice.token });
    await s.until(() => s.comments.some((c) => c.text === 'keep-alive'), 15_000 + 2000);
    expect(s.ended).toBe(false);
    s.close();
  }, 30_000);
});

describe('messages and conversations', () => {
  it('pages a conversation newest first, from either side', async () => {
    const sent = [];
    for (const [from, to, text] of [
      [carol, 'alice_msg', 'one'],
      [alice, 'carol_msg', 'two'],
      [carol, 'alice_msg', 'three'],
    ] as const) {
      const res = await http(edge1, 'POST', '/messages', { token: from.token, body: { to, text } });
      expect(res.status).toBe(201);
      sent.push(res.body);
    }
    const page1 = await http(edge1, 'GET', '/messages/carol_msg?limit=2', { token: alice.token });
    expect(page1.status).toBe(200);
    expect(page1.body).toEqual({ items: [sent[2], sent[1]], nextCursor: expect.any(String) });
    const page2 = await http(
      edge2,
      'GET',
      `/messages/carol_msg?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`,
      { token: alice.token },
    );
    expect(page2.body).toEqual({ items: [sent[0]], nextCursor: null });
    expect((await http(edge1, 'GET', '/messages/alice_msg', { token: carol.token })).body).toEqual({
      items: [sent[2], sent[1], sent[0]],
      nextCursor: null,
    });
    expect(await http(edge1, 'GET', '/messages/nobody_msg', { token: carol.token })).toMatchObject({
      status: 200,
      body: { items: [], nextCursor: null },
    });
  });

  it('lists conversations newest first with the last message', async () => {
    const last = await http(edge1, 'POST', '/messages', {
      token: bob.token,
      body: { to: 'alice_msg', text: 'latest' },
    });
    const res = await http(edge1, 'GET', '/conversations', { token: alice.token });
    expect(res.status).toBe(200);
    const withCarol = (await http(edge1, 'GET', '/messages/carol_msg?limit=1', { token: alice.token })).body.items[0];
    expect(res.body).toEqual({
      items: [
        { with: summary(bob), lastMessage: last.body },
        { with: summary(carol), lastMessage: withCarol },
      ],
    });
  });

  it('refuses bad input with field errors, an unknown recipient with 404, and no token with 401', async () => {
    const post = (body: unknown) => http(edge1, 'POST', '/messages', { token: alice.token, body });
    const cases: Array<[unknown, Array<{ field: string; message: string }>]> = [
      [{ to: 'bob_msg', text: '' }, [{ field: 'text', message: 'text must not be empty' }]],
      [{ to: 'bob_msg', text: '  ' }, [{ field: 'text', message: 'text must not be blank' }]],
      [{ to: 'bob_msg', text: 'x'.repeat(2001) }, [{ field: 'text', message: 'text must be at most 2000 characters' }]],
      [{ to: 'bob_msg', text: 'hi', cc: 'carol_msg' }, [{ field: 'cc', message: 'unknown field' }]],
      [
        { to: 'Bob Msg', text: 'hi' },
        [{ field: 'to', message: 'to must be a username: 3-32 characters of a-z, 0-9 and _' }],
      ],
      [
        {},
        [
          { field: 'to', message: 'to must be a string' },
          { field: 'text', message: 'text must be a string' },
        ],
      ],
      [{ to: 'alice_msg', text: 'note to self' }, [{ field: 'to', message: 'you cannot send a message to yourself' }]],
    ];
    for (const [body, errors] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body).slice(0, 50)).toBe(400);
      expect(res.body).toEqual(problem(400, { errors }));
    }
    expect(await post({ to: 'nobody_msg', text: 'hello?' })).toMatchObject({ status: 404, body: problem(404) });
    expect((await post({ to: 'nobody_msg', text: 'hello?' })).body).toEqual(problem(404));
    const anonymous = await http(edge1, 'POST', '/messages', { body: { to: 'bob_msg', text: 'anon' } });
    expect({ status: anonymous.status, body: anonymous.body }).toEqual({ status: 401, body: problem(401) });
    expect((await http(edge1, 'GET', '/conversations')).status).toBe(401);
    expect((await http(edge1, 'GET', '/messages/bob_msg')).status).toBe(401);
    expect(await http(edge1, 'GET', '/messages/Not%20A%20Name', { token: alice.token })).toMatchObject({
      status: 400,
      body: problem(400, { errors: [{ field: 'username', message: expect.any(String) }] }),
    });
    expect(await http(edge1, 'GET', '/messages/bob_msg?limit=0&x=1', { token: alice.token })).toMatchObject({
      status: 400,
      body: problem(400, {
        errors: [
          { field: 'limit', message: 'limit must be at least 1' },
          { field: 'x', message: 'unknown field' },
        ],
      }),
    });
  });
});

describe('with identity down', () => {
  it('a message to someone messaging has met still goes through; to a stranger it is 503 naming identity', async () => {
    const [identity] = mesh.replicas.get('identity')!;
    identity.kill('SIGTERM');
    expect(await identity.exited).toBe(0);
    const sent = await http(edge1, 'POST', '/messages', {
      token: carol.token,
      body: { to: 'bob_msg', text: 'identity is down' },
    });
    expect(sent.status).toBe(201);
    const page = await http(edge1, 'GET', '/messages/carol_msg?limit=1', { token: bob.token });
    expect(page.body.items[0]).toEqual(sent.body);
    const stranger = await http(edge1, 'POST', '/messages', {
      token: carol.token,
      body: { to: 'never_met_anyone', text: 'hello?' },
    });
    expect(stranger).toMatchObject({ status: 503, body: { service: 'identity' } });
    mesh.replicas.set('identity', [await mesh.addReplica('identity')]);
  });
});

describe('with messaging down', () => {
  it('its routes answer 503 naming messaging while an open /events stream stays open', async () => {
    const stream = await openStream(edge1, { token: bob.token });
    await stream.until(() => stream.comments.length > 0, 2000);
    for (const p of mesh.replicas.get('messaging') ?? []) p.kill('SIGTERM');
    await Promise.all((mesh.replicas.get('messaging') ?? []).map((p) => p.exited));
    mesh.replicas.set('messaging', []);
    const keepAlivesBefore = stream.comments.filter((c) => c.text === 'keep-alive').length;

    const unavailable = problem(503, { service: 'messaging' });
    const sent = await http(edge2, 'POST', '/messages', { token: alice.token, body: { to: 'bob_msg', text: 'lost?' } });
    expect({ status: sent.status, body: sent.body }).toEqual({ status: 503, body: unavailable });
    expect(sent.headers.get('retry-after')).toBe('1');
    const page = await http(edge1, 'GET', '/messages/alice_msg', { token: bob.token });
    expect({ status: page.status, body: page.body }).toEqual({ status: 503, body: unavailable });
    const list = await http(edge1, 'GET', '/conversations', { token: bob.token });
    expect({ status: list.status, body: list.body }).toEqual({ status: 503, body: unavailable });

    // Still open: another keep-alive arrives after the outage began, and the stream has not ended.
    await stream.until(
      () => stream.comments.filter((c) => c.text === 'keep-alive').length > keepAlivesBefore,
      15_000 + 2000,
    );
    expect(stream.ended).toBe(false);
    // New streams open too: /events does not depend on messaging.
    const fresh = await openStream(edge2, { token: carol.token });
    expect(fresh.res.statusCode).toBe(200);
    fresh.close();
    stream.close();
  }, 30_000);

  it('SIGTERM on an edge ends its open streams and the edge exits promptly', async () => {
    const extra = await mesh.addEdge();
    const stream = await openStream(extra.url, { token: alice.token });
    await stream.until(() => stream.comments.length > 0, 2000);
    const started = performance.now();
    extra.process.kill('SIGTERM');
    await stream.until(() => stream.ended, 5000);
    expect(await extra.process.exited).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
  }, 30_000);
});
