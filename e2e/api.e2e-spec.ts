// The edge's HTTP contract (docs/api.md) over a real mesh: built apps as processes, a private
// nats-server, PostgreSQL. Status and whole bodies, error bodies included.
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestMesh, type TestMesh } from '#testing';
import { problem } from './problem.js';

let mesh: TestMesh;
let url: string;

const userShape = (username: string, displayName = username) => ({
  id: expect.stringMatching(/^[0-9a-f-]{36}$/),
  username,
  displayName,
  createdAt: expect.stringMatching(/Z$/),
});

async function signup(username: string, displayName?: string) {
  const res = await http(url, 'POST', '/auth/signup', {
    body: { username, password: 'correct horse', ...(displayName ? { displayName } : {}) },
  });
  expect(res.status).toBe(201);
  return res.body as { user: { id: string; username: string; displayName: string; createdAt: string }; token: string };
}

beforeAll(async () => {
  // debug: services log every request they handle, so the request id can be followed.
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1 }, env: { LOG_LEVEL: 'debug' } });
  url = mesh.edgeUrl;
});
afterAll(async () => mesh?.stop());

describe('auth and users', () => {
  it('signs up, logs in and knows who I am', async () => {
    const a = await signup('alice_e2e', 'Alice');
    const tokens = { token: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 };
    expect(a).toEqual({ user: userShape('alice_e2e', 'Alice'), ...tokens });
    const login = await http(url, 'POST', '/auth/login', {
      body: { username: 'alice_e2e', password: 'correct horse' },
    });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ user: a.user, ...tokens });
    const me = await http(url, 'GET', '/users/me', { token: login.body.token });
    expect(me).toMatchObject({ status: 200, body: a.user });
    expect(await http(url, 'GET', '/users/alice_e2e')).toMatchObject({ status: 200, body: a.user });
  });

  it('answers a wrong password and an unknown user the same way', async () => {
    await signup('bob_e2e');
    const wrong = await http(url, 'POST', '/auth/login', {
      body: { username: 'bob_e2e', password: 'not his password' },
    });
    const unknown = await http(url, 'POST', '/auth/login', {
      body: { username: 'nobody_e2e', password: 'not his password' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(problem(401));
    expect(unknown.body).toEqual(wrong.body);
  });

  it('409 on a taken username, 404 on an unknown one, 400 on bad input', async () => {
    await signup('carol_e2e');
    const taken = await http(url, 'POST', '/auth/signup', { body: { username: 'carol_e2e', password: 'whatever123' } });
    expect(taken).toMatchObject({ status: 409, body: problem(409) });
    expect(taken.headers.get('content-type')).toContain('application/problem+json');
    expect(await http(url, 'GET', '/users/nobody_here')).toMatchObject({ status: 404, body: problem(404) });
    const bad = await http(url, 'POST', '/auth/signup', { body: { username: 'A!', password: 'short', isAdmin: true } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(
      problem(400, {
        errors: expect.arrayContaining([
          { field: 'username', message: expect.any(String) },
          { field: 'password', message: expect.any(String) },
          { field: 'isAdmin', message: 'unknown field' },
        ]),
      }),
    );
    expect(await http(url, 'GET', '/users/A!')).toMatchObject({ status: 400 });
  });
});

describe('tokens', () => {
  let token: string;
  beforeAll(async () => {
    token = (await signup('tokens_e2e')).token;
  });

  it('401 for a missing, tampered, expired, foreign-key or alg:none token', async () => {
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, username: 'alice_e2e' })).toString('base64url')}.${s}`;
    const ownKey = createPrivateKey(readFileSync(mesh.env.JWT_PRIVATE_KEY_FILE, 'utf8'));
    const base = () =>
      new SignJWT({
        sid: claims.sid,
        username: claims.username,
        displayName: claims.displayName,
        createdAt: claims.createdAt,
      })
        .setProtectedHeader({ alg: 'EdDSA' })
        .setSubject(claims.sub)
        .setIssuer(claims.iss)
        .setAudience(claims.aud);
    const expired = await base().setIssuedAt(1_700_000_000).setExpirationTime(1_700_000_600).sign(ownKey);
    const foreign = await base().setIssuedAt().setExpirationTime('1h').sign(generateKeyPairSync('ed25519').privateKey);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    for (const bad of [undefined, 'garbage', tampered, expired, foreign, none]) {
      const res = await http(url, 'GET', '/users/me', { token: bad });
      expect(res.status, `token ${String(bad).slice(0, 20)}`).toBe(401);
      expect(res.body).toEqual(problem(401));
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    // The same claims, properly signed, are accepted: the rejections above are about the signature.
    const good = await base().setIssuedAt().setExpirationTime('1h').sign(ownKey);
    expect((await http(url, 'GET', '/users/me', { token: good })).status).toBe(200);
  });
});

describe('posts', () => {
  let alice: { token: string; user: { id: string; username: string; displayName: string } };
  let bob: { token: string };
  beforeAll(async () => {
    alice = await signup('alice_posts', 'Alice P');
    bob = await signup('bob_posts');
  });

  it('creates, gets, lists and deletes, with the Post shape of the contract', async () => {
    const created = await http(url, 'POST', '/posts', { token: alice.token, body: { text: 'first!' } });
    expect(created.status).toBe(201);
    const post = {
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      // Your own post: whether you follow its author is not asked (null), so graph is not needed.
      author: { id: alice.user.id, username: 'alice_posts', displayName: 'Alice P', followedByMe: null },
      text: 'first!',
      media: [],
      mentions: [],
      createdAt: expect.stringMatching(/Z$/),
      // A new post has nothing to ask likes or comments about.
      likeCount: 0,
      commentCount: 0,
      likedByMe: false,
      degraded: [],
    };
    expect(created.body).toEqual(post);
    const id = created.body.id as string;
    // This mesh runs without likes and comments: their parts are null and named in degraded.
    const degradedPost = {
      ...created.body,
      likeCount: null,
      commentCount: null,
      likedByMe: null,
      degraded: ['comments', 'likes'],
    };
    expect(await http(url, 'GET', `/posts/${id}`)).toMatchObject({ status: 200, body: degradedPost });
    const page = await http(url, 'GET', '/posts?author=alice_posts');
    expect(page.status).toBe(200);
    expect(page.body).toEqual({ items: [degradedPost], nextCursor: null, degraded: ['comments', 'likes'] });
    // Signed in, someone else's post: whether bob follows alice is graph's, which this mesh lacks.
    const asBob = { ...degradedPost, degraded: ['comments', 'graph', 'likes'] };
    expect(await http(url, 'GET', `/posts/${id}`, { token: bob.token })).toMatchObject({ status: 200, body: asBob });
    expect((await http(url, 'GET', '/posts?author=alice_posts', { token: bob.token })).body).toEqual({
      items: [asBob],
      nextCursor: null,
      degraded: ['comments', 'graph', 'likes'],
    });

    const forbidden = await http(url, 'DELETE', `/posts/${id}`, { token: bob.token });
    expect(forbidden).toMatchObject({ status: 403, body: problem(403) });
    const deleted = await http(url, 'DELETE', `/posts/${id}`, { token: alice.token });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe('');
    expect(await http(url, 'GET', `/posts/${id}`)).toMatchObject({ status: 404, body: problem(404) });
    expect(await http(url, 'DELETE', `/posts/${id}`, { token: alice.token })).toMatchObject({ status: 404 });
  });

  it('pages the global timeline newest first with no gaps or repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      ids.push((await http(url, 'POST', '/posts', { token: bob.token, body: { text: `page test ${i}` } })).body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: Array<{ id: string }>; nextCursor: string | null } } = await http(
        url,
        'GET',
        `/posts?author=bob_posts&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((p) => p.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const global = await http(url, 'GET', '/posts?limit=100');
    expect(global.body.items.length).toBeGreaterThanOrEqual(9);
  });

  it('rejects bad input with 400 and stores nothing', async () => {
    const before = (await http(url, 'GET', '/posts?author=alice_posts&limit=100')).body.items.length;
    const cases: Array<[string, string, object]> = [
      ['POST', '/posts', { body: { text: '' } }],
      ['POST', '/posts', { body: { text: 'x'.repeat(5001) } }],
      ['POST', '/posts', { body: { text: 'hi', authorId: bob.token } }],
      ['POST', '/posts', { body: { text: 42 } }],
      ['POST', '/posts', { body: { text: 'hi', mediaIds: ['nope'] } }],
      ['POST', '/posts', { rawBody: '{"text": "unterminated', headers: { 'content-type': 'application/json' } }],
      ['GET', '/posts/not-a-uuid', {}],
      ['GET', '/posts?limit=1000000', {}],
      ['GET', '/posts?limit=0', {}],
      ['GET', '/posts?limit=abc', {}],
      ['GET', '/posts?cursor=bm9wZQ', {}],
      ['GET', '/posts?author=NOT%20VALID', {}],
      ['DELETE', '/posts/not-a-uuid', {}],
    ];
    for (const [method, path, o] of cases) {
      const res = await http(url, method, path, { token: alice.token, ...o });
      expect(res.status, `${method} ${path} ${JSON.stringify(o).slice(0, 60)}`).toBe(400);
      expect(res.body).toEqual(problem(400, res.body.errors ? { errors: expect.any(Array) } : {}));
    }
    const after = (await http(url, 'GET', '/posts?author=alice_posts&limit=100')).body.items.length;
    expect(after).toBe(before);
  });

  it('refuses a post with neither text nor media: 400 naming text, and stores nothing', async () => {
    const before = (await http(url, 'GET', '/posts?author=alice_posts&limit=100')).body.items.length;
    for (const [body, message] of [
      [{ text: '' }, 'text must not be empty when no media is attached'],
      [{ text: '  \n ', mediaIds: [] }, 'text must not be blank when no media is attached'],
    ] as const) {
      const res = await http(url, 'POST', '/posts', { token: alice.token, body });
      expect([res.status, res.body]).toEqual([400, problem(400, { errors: [{ field: 'text', message }] })]);
    }
    expect((await http(url, 'GET', '/posts?author=alice_posts&limit=100')).body.items.length).toBe(before);
  });

  it('401 for writes without a token', async () => {
    expect(await http(url, 'POST', '/posts', { body: { text: 'anon' } })).toMatchObject({
      status: 401,
      body: problem(401),
    });
    expect(await http(url, 'DELETE', '/posts/11111111-1111-4111-8111-111111111111')).toMatchObject({ status: 401 });
  });

  it('keeps serving after a burst of junk', async () => {
    const junk = Array.from({ length: 300 }, (_, i) =>
      http(url, i % 3 === 0 ? 'POST' : 'GET', i % 3 === 0 ? '/posts' : `/posts/${'x'.repeat(i)}`, {
        token: i % 2 ? 'junk' : alice.token,
        rawBody: i % 3 === 0 ? '\u0000{{{' + 'a'.repeat(i * 10) : undefined,
        headers: i % 3 === 0 ? { 'content-type': 'application/json' } : {},
      }),
    );
    const statuses = (await Promise.all(junk)).map((r) => r.status);
    expect(statuses.every((s) => s >= 400 && s < 500)).toBe(true);
    expect((await http(url, 'GET', '/health/live')).status).toBe(200);
    expect((await http(url, 'POST', '/posts', { token: alice.token, body: { text: 'still here' } })).status).toBe(201);
  });
});

describe('operations', () => {
  it('health, mesh, metrics (on the admin port only) and OpenAPI', async () => {
    expect(await http(url, 'GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'live' } });
    expect(await http(url, 'GET', '/health/ready')).toMatchObject({
      status: 200,
      body: { status: 'ready', nats: 'connected' },
    });

    // Pids, hosts, replica ids and traffic are the operators': on the admin listener, not the API port.
    for (const path of ['/mesh', '/metrics', '/board.html']) {
      const r = await http(url, 'GET', path);
      expect([path, r.status, r.body]).toEqual([path, 404, problem(404)]);
    }
    const view = await http(mesh.adminUrl, 'GET', '/mesh');
    expect(view.status).toBe(200);
    const posts = view.body.services.find((s: { name: string }) => s.name === 'posts');
    expect(posts).toEqual({
      name: 'posts',
      status: 'up',
      replicas: [
        {
          id: expect.any(String),
          pid: mesh.replicas.get('posts')![0].pid,
          host: expect.any(String),
          version: expect.any(String),
          startedAt: expect.any(String),
          requests: expect.any(Number),
          errors: 0,
          averageLatencyMs: expect.any(Number),
          // Its concurrency limit and what it refused or dropped (docs/fail-soft.md, "Under overload").
          overload: {
            enabled: true,
            limit: expect.any(Number),
            inFlight: expect.any(Number),
            refused: { critical: 0, degradable: 0, sheddable: 0 },
            expiredOnArrival: 0,
            expiredBeforeQuery: 0,
          },
        },
      ],
      // Posts is never left out of an answer (every read needs it); nor was it unavailable here.
      degradedLastMinute: 0,
      unavailableLastMinute: 0,
      // Every replica serves: no reason to give, none waiting (for its database, say).
      reason: null,
      waiting: [],
      brownout: { active: false, cause: null },
    });
    expect(posts.replicas[0].requests).toBeGreaterThan(0);

    const metrics = await http(mesh.adminUrl, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/http_requests_total\{method="GET",route="\/posts\/:id",status="\d+"\} \d+/);
    expect(metrics.body).toMatch(/nats_requests_total\{subject="posts.get",outcome="ok"\} \d+/);
    expect(metrics.body).toMatch(/degraded_answers_total\{service="likes"\} \d+/);

    const doc = await http(url, 'GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/auth/signup',
        '/auth/login',
        '/users/me',
        '/users/{username}',
        '/users/{username}/follow',
        '/users/{username}/followers',
        '/users/{username}/following',
        '/posts',
        '/posts/{id}',
        '/notifications',
        '/notifications/unread-count',
        '/notifications/read',
      ]),
    );
    expect(Object.keys(doc.body.paths).filter((p) => ['/mesh', '/metrics'].includes(p))).toEqual([]);
    expect(doc.body.components.schemas.Post.properties.degraded).toBeDefined();
    // Every operation says what it needs and what it degrades (route-dependencies.ts).
    expect(doc.body.paths['/posts/{id}'].get['x-fail-soft']).toEqual({
      needs: ['posts'],
      degrades: ['likes', 'comments', 'media', 'graph'],
    });
    expect(doc.body.paths['/posts/{id}/like'].put['x-fail-soft']).toEqual({ needs: ['likes', 'posts'] });
    expect(doc.body.paths['/notifications'].get['x-fail-soft']).toEqual({ needs: ['notifications'] });
    expect(doc.body.components.schemas.NotificationPage.properties.unread).toBeDefined();
    const ui = await http(url, 'GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  it('carries the request id from HTTP through NATS into the service log', async () => {
    const res = await http(url, 'GET', '/posts/11111111-1111-4111-8111-111111111111', {
      headers: { 'x-request-id': 'trace-me-e2e-42' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('trace-me-e2e-42');
    const edgeLog = await mesh.edges[0].waitForLog((l) => l.requestId === 'trace-me-e2e-42' && l.msg === 'request');
    expect(edgeLog).toMatchObject({ service: 'edge', route: '/posts/:id', status: 404 });
    const serviceLog = await mesh.replicas.get('posts')![0].waitForLog((l) => l.requestId === 'trace-me-e2e-42');
    expect(serviceLog).toMatchObject({ service: 'posts', subject: 'posts.get', outcome: 'not_found', msg: 'handled' });
  });
});
