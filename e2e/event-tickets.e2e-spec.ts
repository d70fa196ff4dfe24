// GET /events without a token in its URL: single-use stream tickets shared by every edge (a
// JetStream KV bucket); streams capped per account and per edge replica; a stream ends with
// `event: session-ended` when its session is revoked or its access token expires.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, http, startTestMesh, type TestMesh } from '#testing';
import { problem } from './problem.js';
import { openStream, ticketQuery, type SseStream } from './sse.js';

const TICKET_TTL_SECONDS = 2;
let mesh: TestMesh;
let edgeA: string;
let edgeB: string;
const PASSWORD = 'ticket password';
type Auth = { token: string; user: { id: string } };

async function signup(username: string): Promise<Auth> {
  const res = await http<Auth>(edgeA, 'POST', '/auth/signup', { body: { username, password: PASSWORD } });
  expect(res.status).toBe(201);
  return res.body;
}
const login = async (username: string): Promise<Auth> =>
  (await http<Auth>(edgeA, 'POST', '/auth/login', { body: { username, password: PASSWORD } })).body;

/** A GET /events that is refused (so it answers at once): status, Retry-After and problem. */
async function refusal(edge: string, o: { token?: string; query?: string }) {
  const res = await http(edge, 'GET', `/events${o.query ?? ''}`, { token: o.token });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.body as unknown };
}

const sessionEnded = async (s: SseStream, reason: string) => {
  await s.until(() => s.ended, 5000);
  expect(s.events.at(-1)).toEqual({ event: 'session-ended', data: JSON.stringify({ reason }), at: expect.any(Number) });
};

beforeAll(async () => {
  mesh = await startTestMesh({
    replicas: { identity: 1 },
    env: { ACCESS_LOG: 'false', EVENT_TICKET_TTL_SECONDS: String(TICKET_TTL_SECONDS) },
  });
  edgeA = mesh.edgeUrl;
  edgeB = (await mesh.addEdge()).url;
}, 90_000);
afterAll(async () => mesh?.stop());

describe('stream tickets', () => {
  it('works exactly once, at any edge', async () => {
    const a = await signup('tia');
    const issued = await http(edgeA, 'POST', '/events/ticket', { token: a.token });
    expect({ status: issued.status, body: issued.body }).toEqual({
      status: 201,
      body: { ticket: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), expiresIn: TICKET_TTL_SECONDS },
    });
    const query = `?ticket=${issued.body.ticket}`;
    const first = await openStream(edgeB, { query });
    expect(first.res.statusCode).toBe(200);
    await first.until(() => first.comments.some((c) => c.text === 'connected'), 2000);
    for (const edge of [edgeA, edgeB]) {
      const again = await http(edge, 'GET', `/events${query}`);
      expect({ status: again.status, body: again.body }).toEqual({
        status: 401,
        body: problem(401, { detail: 'The ticket is unknown, used or expired.' }),
      });
    }
    first.close();
  });

  it('of two edges redeeming one ticket at once, exactly one opens a stream', async () => {
    const a = await login('tia');
    for (let i = 0; i < 5; i++) {
      const query = await ticketQuery(edgeA, a.token);
      const streams = await Promise.all([openStream(edgeA, { query }), openStream(edgeB, { query })]);
      expect(streams.map((s) => s.res.statusCode).sort()).toEqual([200, 401]);
      streams.forEach((s) => s.close());
    }
  });

  it('is refused once expired', async () => {
    const a = await login('tia');
    const query = await ticketQuery(edgeA, a.token);
    // A ticket's life is wall-clock time: nothing to poll for, so wait it out.
    await new Promise((r) => setTimeout(r, TICKET_TTL_SECONDS * 1000 + 200));
    const late = await http(edgeB, 'GET', `/events${query}`);
    expect({ status: late.status, body: late.body }).toEqual({
      status: 401,
      body: problem(401, { detail: 'The ticket is unknown, used or expired.' }),
    });
  });

  it('replaces ?access_token=: a valid token in the URL is refused; the Authorization header still works', async () => {
    const a = await login('tia');
    const inUrl = await http(edgeA, 'GET', `/events?access_token=${a.token}`);
    expect({ status: inUrl.status, body: inUrl.body }).toEqual({
      status: 401,
      body: problem(401, {
        detail: 'Tokens are not taken in the URL: get a ticket from POST /events/ticket and pass ?ticket=.',
      }),
    });
    const header = await openStream(edgeA, { token: a.token });
    expect(header.res.statusCode).toBe(200);
    header.close();
    const anonymous = await http(edgeA, 'POST', '/events/ticket');
    expect({ status: anonymous.status, body: anonymous.body }).toEqual({ status: 401, body: problem(401) });
  });
});

describe('stream caps', () => {
  it('holds at most 5 streams per account on an edge: the 6th is a 429 with Retry-After', async () => {
    const a = await signup('cap');
    const five = await Promise.all([0, 1, 2, 3, 4].map(() => openStream(edgeA, { token: a.token })));
    expect(five.map((s) => s.res.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(await refusal(edgeA, { query: await ticketQuery(edgeA, a.token) })).toEqual({
      status: 429,
      retryAfter: '5',
      body: problem(429, { detail: 'At most 5 open event streams per account: close one first.' }),
    });
    // Another account is not affected, nor the same account on another edge.
    const other = await openStream(edgeA, { token: (await signup('cap_other')).token });
    const elsewhere = await openStream(edgeB, { token: a.token });
    expect([other.res.statusCode, elsewhere.res.statusCode]).toEqual([200, 200]);
    five[0].close();
    await expectEventually(async () => {
      const s = await openStream(edgeA, { token: a.token });
      expect(s.res.statusCode).toBe(200);
      s.close();
    });
    [...five, other, elsewhere].forEach((s) => s.close());
  });

  it('holds at most EVENTS_STREAMS_PER_REPLICA streams on one replica: the next is a 503 with Retry-After', async () => {
    const small = (await mesh.addEdge({ EVENTS_STREAMS_PER_REPLICA: '2' })).url;
    const users = await Promise.all(['rep_a', 'rep_b', 'rep_c'].map(signup));
    const two = await Promise.all(users.slice(0, 2).map((u) => openStream(small, { token: u.token })));
    expect(two.map((s) => s.res.statusCode)).toEqual([200, 200]);
    expect(await refusal(small, { token: users[2].token })).toEqual({
      status: 503,
      retryAfter: '1',
      body: problem(503, {
        detail: 'This edge replica holds its maximum of 2 event streams: try again (or another replica).',
      }),
    });
    two.forEach((s) => s.close());
  });
});

describe('a stream ends with its session', () => {
  it('ends with event: session-ended on logout, at this edge and at another', async () => {
    const a = await signup('bye');
    const here = await openStream(edgeA, { query: await ticketQuery(edgeA, a.token) });
    const there = await openStream(edgeB, { token: a.token });
    const other = await openStream(edgeB, { token: (await login('bye')).token });
    const out = await http(edgeA, 'POST', '/auth/logout', { token: a.token });
    expect(out.status).toBe(200);
    await sessionEnded(here, 'revoked');
    await sessionEnded(there, 'revoked');
    // Another session of the same user keeps its stream.
    expect(other.ended).toBe(false);
    other.close();
  });

  // Last: it swaps identity for one that signs 3-second tokens.
  it('ends with event: session-ended when its access token expires', async () => {
    const old = mesh.replicas.get('identity')![0];
    old.kill('SIGTERM');
    await old.exited;
    await mesh.addReplica('identity', { ACCESS_TOKEN_TTL_SECONDS: '3' });
    const a = await login('bye');
    const opened = performance.now();
    const s = await openStream(edgeB, { query: await ticketQuery(edgeA, a.token) });
    expect(s.res.statusCode).toBe(200);
    await sessionEnded(s, 'expired');
    const lived = performance.now() - opened;
    expect(lived).toBeGreaterThan(1500);
    expect(lived).toBeLessThan(4500);
  });
});
