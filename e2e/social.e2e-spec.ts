// Comments and likes through the edge, stitched into posts; what a page costs in NATS
// requests; and the fail-soft rows for likes and comments at 0 replicas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, http, startTestMesh, type AppProcess, type TestMesh } from '#testing';
import { problem } from './problem.js';

let mesh: TestMesh;
let url: string;
type Account = { token: string; user: { id: string; username: string; displayName: string } };
let alice: Account;
let bob: Account;
let postId: string;

const summary = (a: Account) => ({ id: a.user.id, username: a.user.username, displayName: a.user.displayName });

async function signup(username: string): Promise<Account> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: 'social password' } });
  expect(res.status).toBe(201);
  return res.body;
}

/** nats_requests_total per subject (of one outcome, or all), read from the edge's /metrics. */
async function natsRequests(outcome?: string): Promise<Record<string, number>> {
  const text: string = (await http(mesh.adminUrl, 'GET', '/metrics')).body;
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^nats_requests_total\{subject="([^"]+)",outcome="([^"]+)"\} (\d+)/gm)) {
    if (outcome === undefined || m[2] === outcome) out[m[1]] = (out[m[1]] ?? 0) + Number(m[3]);
  }
  return out;
}

async function stopAll(app: string): Promise<void> {
  const procs: AppProcess[] = mesh.replicas.get(app) ?? [];
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  mesh.replicas.set(app, []);
}

beforeAll(async () => {
  // graph too: a signed-in reader's posts say whether they follow each author.
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1, comments: 1, likes: 1, graph: 1 } });
  url = mesh.edgeUrl;
  alice = await signup('alice_social');
  bob = await signup('bob_social');
  postId = (await http(url, 'POST', '/posts', { token: alice.token, body: { text: 'talk to me' } })).body.id;
});
afterAll(async () => mesh?.stop());

describe('comments', () => {
  it('creates, lists oldest first, and lets only the author delete', async () => {
    const first = await http(url, 'POST', `/posts/${postId}/comments`, { token: bob.token, body: { text: 'first' } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      postId,
      author: summary(bob),
      text: 'first',
      createdAt: expect.stringMatching(/Z$/),
    });
    const second = await http(url, 'POST', `/posts/${postId}/comments`, {
      token: alice.token,
      body: { text: 'second' },
    });
    const page1 = await http(url, 'GET', `/posts/${postId}/comments?limit=1`);
    expect(page1.body).toEqual({ items: [first.body], nextCursor: expect.any(String) });
    const page2 = await http(
      url,
      'GET',
      `/posts/${postId}/comments?limit=1&cursor=${encodeURIComponent(page1.body.nextCursor)}`,
    );
    expect(page2.body).toEqual({ items: [second.body], nextCursor: null });

    expect(await http(url, 'DELETE', `/comments/${first.body.id}`, { token: alice.token })).toMatchObject({
      status: 403,
      body: problem(403),
    });
    expect((await http(url, 'DELETE', `/comments/${second.body.id}`, { token: alice.token })).status).toBe(204);
    expect(await http(url, 'DELETE', `/comments/${second.body.id}`, { token: alice.token })).toMatchObject({
      status: 404,
    });
    expect((await http(url, 'GET', `/posts/${postId}/comments`)).body).toEqual({
      items: [first.body],
      nextCursor: null,
    });
  });

  it('404 on an unknown post, 400 on bad input, 401 without a token', async () => {
    const unknown = '11111111-1111-4111-8111-111111111111';
    expect(
      await http(url, 'POST', `/posts/${unknown}/comments`, { token: bob.token, body: { text: 'hello?' } }),
    ).toMatchObject({
      status: 404,
      body: problem(404),
    });
    for (const body of [{ text: '' }, { text: 'x'.repeat(2001) }, { text: 'hi', postId: unknown }, {}]) {
      const res = await http(url, 'POST', `/posts/${postId}/comments`, { token: bob.token, body });
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(res.body).toEqual(problem(400, { errors: expect.any(Array) }));
    }
    expect((await http(url, 'POST', `/posts/${postId}/comments`, { body: { text: 'anon' } })).status).toBe(401);
    expect((await http(url, 'GET', `/posts/not-a-uuid/comments`)).status).toBe(400);
  });
});

describe('likes', () => {
  it('is idempotent and shows in the post for the viewer', async () => {
    for (let i = 0; i < 2; i++)
      expect((await http(url, 'PUT', `/posts/${postId}/like`, { token: bob.token })).status).toBe(204);
    const likes = await http(url, 'GET', `/posts/${postId}/likes`);
    expect(likes.body).toEqual({
      count: 1,
      items: [{ user: summary(bob), createdAt: expect.any(String) }],
      nextCursor: null,
    });

    const asBob = await http(url, 'GET', `/posts/${postId}`, { token: bob.token });
    expect(asBob.body).toMatchObject({ likeCount: 1, likedByMe: true, commentCount: 1, degraded: [] });
    const asAlice = await http(url, 'GET', `/posts/${postId}`, { token: alice.token });
    expect(asAlice.body).toMatchObject({ likeCount: 1, likedByMe: false });
    const anonymous = await http(url, 'GET', `/posts/${postId}`);
    expect(anonymous.body).toMatchObject({ likeCount: 1, likedByMe: null });

    for (let i = 0; i < 2; i++)
      expect((await http(url, 'DELETE', `/posts/${postId}/like`, { token: bob.token })).status).toBe(204);
    expect((await http(url, 'GET', `/posts/${postId}`, { token: bob.token })).body).toMatchObject({
      likeCount: 0,
      likedByMe: false,
    });
    expect(
      await http(url, 'PUT', '/posts/11111111-1111-4111-8111-111111111111/like', { token: bob.token }),
    ).toMatchObject({
      status: 404,
      body: problem(404),
    });
  });

  it('a page of 20 posts costs one request to each of posts, likes, comments and (signed in) graph', async () => {
    for (let i = 0; i < 20; i++) await http(url, 'POST', '/posts', { token: bob.token, body: { text: `page ${i}` } });
    const before = await natsRequests();
    const page = await http(url, 'GET', '/posts?limit=20', { token: alice.token });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(20);
    expect(page.body.degraded).toEqual([]);
    expect(
      page.body.items.every(
        (p: { likeCount: number; commentCount: number }) => p.likeCount === 0 && p.commentCount === 0,
      ),
    ).toBe(true);
    const after = await natsRequests();
    const delta = Object.fromEntries(
      Object.keys(after)
        .map((k) => [k, after[k] - (before[k] ?? 0)])
        .filter(([, n]) => n !== 0),
    );
    // Whether alice follows each of the page's authors: one batched question, not one per post.
    expect(delta).toEqual({ 'posts.list': 1, 'likes.summary': 1, 'comments.count': 1, 'graph.relationships': 1 });
    expect(page.body.items.every((p: { author: { followedByMe: boolean } }) => p.author.followedByMe === false)).toBe(
      true,
    );
    // Anonymous: graph is not asked at all; a page of your own posts neither.
    for (const token of [undefined, bob.token]) {
      const from = await natsRequests();
      expect((await http(url, 'GET', '/posts?author=bob_social&limit=20', { token })).status).toBe(200);
      const to = await natsRequests();
      expect(to['graph.relationships'] ?? 0).toBe(from['graph.relationships'] ?? 0);
    }
  });
});

describe('fail soft', () => {
  it('likes down: posts still load with likes null and degraded; like and the likes list 503', async () => {
    await stopAll('likes');
    const post = await http(url, 'GET', `/posts/${postId}`, { token: bob.token });
    expect(post.status).toBe(200);
    expect(post.body).toMatchObject({ likeCount: null, likedByMe: null, commentCount: 1, degraded: ['likes'] });
    const page = await http(url, 'GET', '/posts?limit=5');
    expect(page.status).toBe(200);
    expect(page.body.degraded).toEqual(['likes']);
    for (const [method, path] of [
      ['PUT', `/posts/${postId}/like`],
      ['DELETE', `/posts/${postId}/like`],
      ['GET', `/posts/${postId}/likes`],
    ] as const) {
      const res = await http(url, method, path, { token: bob.token });
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(res.body).toEqual(problem(503, { service: 'likes' }));
      expect(res.headers.get('retry-after')).toBe('1');
    }
    // After three "no responders" in a row likes' breaker is open: it is not even asked.
    const openBefore = (await natsRequests('circuit-open'))['likes.summary'] ?? 0;
    for (let i = 0; i < 5; i++) expect((await http(url, 'GET', `/posts/${postId}`)).body.degraded).toEqual(['likes']);
    const openAfter = (await natsRequests('circuit-open'))['likes.summary'] ?? 0;
    // At most one of the five was the breaker's probe; the others never left the edge.
    expect(openAfter - openBefore).toBeGreaterThanOrEqual(4);

    mesh.replicas.set('likes', [await mesh.addReplica('likes')]);
    await expectEventually(async () =>
      expect((await http(url, 'GET', `/posts/${postId}`)).body).toMatchObject({ likeCount: 0, degraded: [] }),
    );
  });

  it('comments down: posts load with commentCount null; comment routes 503', async () => {
    await stopAll('comments');
    const post = await http(url, 'GET', `/posts/${postId}`);
    expect(post.body).toMatchObject({ commentCount: null, likeCount: 0, degraded: ['comments'] });
    expect(await http(url, 'GET', `/posts/${postId}/comments`)).toMatchObject({
      status: 503,
      body: { service: 'comments' },
    });
    expect(
      await http(url, 'POST', `/posts/${postId}/comments`, { token: bob.token, body: { text: 'x' } }),
    ).toMatchObject({
      status: 503,
      body: { service: 'comments' },
    });
    mesh.replicas.set('comments', [await mesh.addReplica('comments')]);
    // The edge's breaker lets a probe through about a second after the service returns.
    await expectEventually(async () => expect((await http(url, 'GET', `/posts/${postId}/comments`)).status).toBe(200));
  });

  it('posts down: comment and like on a post 503 naming posts (its existence cannot be checked)', async () => {
    await stopAll('posts');
    const like = await http(url, 'PUT', `/posts/${postId}/like`, { token: alice.token });
    expect(like).toMatchObject({ status: 503, body: problem(503, { service: 'posts' }) });
    const comment = await http(url, 'POST', `/posts/${postId}/comments`, { token: alice.token, body: { text: 'x' } });
    expect(comment).toMatchObject({ status: 503, body: problem(503, { service: 'posts' }) });
    expect(await http(url, 'GET', `/posts/${postId}`)).toMatchObject({ status: 503, body: { service: 'posts' } });
  });
});
