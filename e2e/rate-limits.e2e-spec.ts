// The rate limits over the edge, against the mesh as processes (docs/security.md): each budget's
// N+1th request is a 429 problem+json with Retry-After and RateLimit-* headers and writes
// nothing; two edges together admit a budget once; with the shared NATS KV bucket gone, the
// local limits still hold. Clients are told apart by X-Forwarded-For (TRUST_PROXY).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { RateLimitBucket } from '#contracts';
import { expectEventually, http, sql, startTestMesh, type HttpResult, type TestMesh } from '#testing';
import { image } from '../apps/media/test/test-images.js';
import { problem } from './problem.js';

const LIMIT = 3;
let mesh: TestMesh;
let url: string;
let edge2: string;
let ipSeq = 0;
/** A fresh client address: its own IP budgets. */
const newIp = () => `198.51.100.${++ipSeq}`;
const from = (ip: string) => ({ 'x-forwarded-for': ip });

/** The edge's Prometheus text (one helper: /metrics may move to an admin port). */
// /metrics is on the admin port (docs/security.md): the first edge's.
const metricsOf = async (): Promise<string> => (await http(mesh.adminUrl, 'GET', '/metrics')).body as string;
const metric = (text: string, name: string, labels = '') =>
  Number(new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\d+)`, 'm').exec(text)?.[1] ?? 0);

let userSeq = 0;
async function account(): Promise<{ username: string; token: string }> {
  const username = `rl_user_${++userSeq}`;
  const res = await http(url, 'POST', '/auth/signup', {
    body: { username, password: 'a long enough password' },
    headers: from(newIp()),
  });
  expect(res.status).toBe(201);
  return { username, token: res.body.token };
}

/** The 429 of a spent budget: whole body and headers. */
function expectRefused(res: HttpResult, budget: string, allows: string): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual(
    problem(429, {
      type: 'urn:failsoft:problem:rate-limited',
      title: 'Too many requests',
      detail: expect.stringMatching(
        new RegExp(`^Too many requests: ${budget} allows ${allows}; try again in \\d+ s\\.$`),
      ),
    }),
  );
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.headers.get('ratelimit-limit')).toBe(String(LIMIT));
  expect(res.headers.get('ratelimit-remaining')).toBe('0');
  expect(res.headers.get('ratelimit-reset')).toBe(String(retryAfter));
}

/** `LIMIT` admitted with falling RateLimit-Remaining, then the refusal. */
async function spend(send: () => Promise<HttpResult>, ok: number, budget: string, allows = `${LIMIT} per 1 min`) {
  for (let i = 1; i <= LIMIT; i++) {
    const res = await send();
    expect(res.status).toBe(ok);
    expect([res.headers.get('ratelimit-limit'), res.headers.get('ratelimit-remaining')]).toEqual([
      String(LIMIT),
      String(LIMIT - i),
    ]);
  }
  expectRefused(await send(), budget, allows);
}

const count = async (query: string, params: unknown[]) => Number((await sql<{ n: string }>(query, params))[0].n);

beforeAll(async () => {
  const budget = `${LIMIT}/1m`;
  mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, comments: 1, likes: 1, messaging: 1, media: 1 },
    rateLimits: true,
    env: {
      TRUST_PROXY: 'true',
      RATE_LIMIT_SYNC_MS: '50',
      // Each client signs up from an address of its own; the sign-up budgets are tested apart.
      RATE_LIMIT_AUTH_SIGNUP_USERNAME: budget,
      RATE_LIMIT_AUTH_SIGNUP_IP: budget,
      RATE_LIMIT_AUTH_LOGIN_IP: budget,
      RATE_LIMIT_AUTH_LOGIN_USERNAME: budget,
      RATE_LIMIT_POSTS_CREATE: budget,
      RATE_LIMIT_COMMENTS_CREATE: budget,
      RATE_LIMIT_LIKES_WRITE: budget,
      RATE_LIMIT_MESSAGES_SEND: budget,
      RATE_LIMIT_MEDIA_UPLOAD: budget,
      RATE_LIMIT_READS_ANONYMOUS: budget,
      LOGIN_FREE_FAILURES: '100',
    },
  });
  url = mesh.edgeUrl;
  edge2 = (await mesh.addEdge()).url;
}, 120_000);
afterAll(async () => mesh?.stop());

const postsOf = (username: string) =>
  count(`SELECT count(*) AS n FROM "${mesh.env.POSTS_DB_SCHEMA}".post p WHERE p.text LIKE $1`, [`${username}:%`]);

describe('per-account budgets on writes', () => {
  it('posts: the 4th of 3/1m is a 429 and is not written; another account still posts', async () => {
    const a = await account();
    let i = 0;
    await spend(
      () => http(url, 'POST', '/posts', { token: a.token, body: { text: `${a.username}:${++i}` } }),
      201,
      'posts.create',
    );
    expect(await postsOf(a.username)).toBe(LIMIT);
    const b = await account();
    expect((await http(url, 'POST', '/posts', { token: b.token, body: { text: `${b.username}:1` } })).status).toBe(201);
  });

  it('comments, likes and direct messages', async () => {
    const a = await account();
    const b = await account();
    const post = (await http(url, 'POST', '/posts', { token: b.token, body: { text: `${b.username}:p` } })).body;
    await spend(
      () => http(url, 'POST', `/posts/${post.id}/comments`, { token: a.token, body: { text: 'a comment' } }),
      201,
      'comments.create',
    );
    const comments = await http(url, 'GET', `/posts/${post.id}/comments`, { token: b.token, headers: from(newIp()) });
    expect(comments.body.items).toHaveLength(LIMIT);

    await spend(() => http(url, 'PUT', `/posts/${post.id}/like`, { token: a.token }), 204, 'likes.write');
    expectRefused(
      await http(url, 'DELETE', `/posts/${post.id}/like`, { token: a.token }),
      'likes.write',
      '3 per 1 min',
    );
    const likes = await count(`SELECT count(*) AS n FROM "${mesh.env.LIKES_DB_SCHEMA}"."like" WHERE post_id = $1`, [
      post.id,
    ]);
    expect(likes).toBe(1);

    await spend(
      () => http(url, 'POST', '/messages', { token: a.token, body: { to: b.username, text: 'hello' } }),
      201,
      'messages.send',
    );
    const dms = await http(url, 'GET', `/messages/${a.username}`, { token: b.token });
    expect(dms.body.items).toHaveLength(LIMIT);
  });

  it('uploads: the 4th is refused before a byte is stored', async () => {
    const a = await account();
    const bytes = await image('png', 32, 32);
    const upload = async (): Promise<HttpResult> => {
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: 'image/png' }), 'x.png');
      const res = await fetch(`${url}/media`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${a.token}` },
        signal: AbortSignal.timeout(20_000),
      });
      return { status: res.status, headers: res.headers, body: JSON.parse(await res.text()), ms: 0 };
    };
    const nc = await mesh.connectNats();
    const stored = async () => (await (await new Objm(nc).open('media')).list()).filter((o) => !o.deleted).length;
    try {
      for (let i = 0; i < LIMIT; i++) expect((await upload()).status).toBe(201);
      const afterThree = await stored();
      expectRefused(await upload(), 'media.upload', '3 per 1 min');
      expect(await stored()).toBe(afterThree);
    } finally {
      await nc.close();
    }
  });
});

describe('login and sign-up budgets', () => {
  it('sign-up per IP: the 4th from one address is refused and makes no account', async () => {
    const ip = newIp();
    const names = ['rl_ip_a', 'rl_ip_b', 'rl_ip_c', 'rl_ip_d'];
    let i = 0;
    await spend(
      () =>
        http(url, 'POST', '/auth/signup', {
          body: { username: names[i++], password: 'a long enough password' },
          headers: from(ip),
        }),
      201,
      'auth.signup.ip',
    );
    expect(
      await count(`SELECT count(*) AS n FROM "${mesh.env.IDENTITY_DB_SCHEMA}"."user" WHERE username = $1`, ['rl_ip_d']),
    ).toBe(0);
  });

  it('sign-up per username, whatever the address', async () => {
    const signup = () =>
      http(url, 'POST', '/auth/signup', {
        body: { username: 'rl_same_name', password: 'a long enough password' },
        headers: from(newIp()),
      });
    expect((await signup()).status).toBe(201);
    expect((await signup()).status).toBe(409);
    expect((await signup()).status).toBe(409);
    expectRefused(await signup(), 'auth.signup.username', '3 per 1 min');
  });

  it('login per IP and per username', async () => {
    const a = await account();
    const b = await account();
    const ip = newIp();
    await spend(
      () => http(url, 'POST', '/auth/login', { body: { username: a.username, password: 'wrong' }, headers: from(ip) }),
      401,
      'auth.login.ip',
    );
    // The right password from that address is refused too: the address has spent its budget.
    const right = { username: b.username, password: 'a long enough password' };
    expectRefused(
      await http(url, 'POST', '/auth/login', { body: right, headers: from(ip) }),
      'auth.login.ip',
      '3 per 1 min',
    );
    await spend(
      () => http(url, 'POST', '/auth/login', { body: right, headers: from(newIp()) }),
      200,
      'auth.login.username',
    );
  });
});

describe('anonymous reads', () => {
  it('are budgeted per IP; a signed-in reader is not', async () => {
    const ip = newIp();
    await spend(() => http(url, 'GET', '/posts', { headers: from(ip) }), 200, 'reads.anonymous');
    const a = await account();
    expect((await http(url, 'GET', '/posts', { headers: from(ip), token: a.token })).status).toBe(200);
    // Probes are not readers: health stays answered.
    expect((await http(url, 'GET', '/health/live', { headers: from(ip) })).status).toBe(200);
  });
});

describe('two edges', () => {
  it('share one budget: 3 posts in all, not 3 at each', async () => {
    const a = await account();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const edge = i % 2 === 0 ? url : edge2;
      const res = await http(edge, 'POST', '/posts', { token: a.token, body: { text: `${a.username}:${i}` } });
      statuses.push(res.status);
      // Paced past a sync period (50 ms) or two: each edge has heard of the other's posts.
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429, 429, 429]);
    expect(await postsOf(a.username)).toBe(LIMIT);
  });

  it('a burst at both at once overshoots by at most what one sync period admits (measured)', async () => {
    const a = await account();
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        http(i % 2 === 0 ? url : edge2, 'POST', '/posts', { token: a.token, body: { text: `${a.username}:${i}` } }),
      ),
    ).then((all) => all.map((r) => r.status));
    const admitted = statuses.filter((s) => s === 201).length;
    process.stdout.write(`burst of 12 at two edges, budget ${LIMIT}: ${admitted} admitted\n`);
    expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(admitted).toBeGreaterThanOrEqual(LIMIT);
    expect(admitted).toBeLessThanOrEqual(2 * LIMIT);
    expect(await postsOf(a.username)).toBe(admitted);
  });
});

// Last: it deletes the shared bucket.
describe('without the shared bucket', () => {
  it('falls back to each edge counting alone: the limits still hold, and /metrics says so', async () => {
    const nc = await mesh.connectNats();
    try {
      await (await jetstreamManager(nc)).streams.delete(`KV_${RateLimitBucket.name}`);
    } finally {
      await nc.close();
    }
    await expectEventually(
      async () => {
        await http(url, 'GET', '/posts', { headers: from(newIp()) });
        const text = await metricsOf();
        expect(metric(text, 'rate_limit_fallback_total', 'budget="reads.anonymous"')).toBeGreaterThan(0);
        // The sync notices too (a JetStream request to a deleted stream may wait out its timeout).
        expect(metric(text, 'rate_limit_sync_failures_total')).toBeGreaterThan(0);
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const a = await account();
    let i = 0;
    await spend(
      () => http(url, 'POST', '/posts', { token: a.token, body: { text: `${a.username}:${++i}` } }),
      201,
      'posts.create',
    );
    expect(await postsOf(a.username)).toBe(LIMIT);
    expect(metric(await metricsOf(), 'rate_limit_fallback_total', 'budget="posts.create"')).toBeGreaterThanOrEqual(
      LIMIT + 1,
    );
  });
});
