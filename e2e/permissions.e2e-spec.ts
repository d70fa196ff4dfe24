// The whole mesh under least privilege: NATS started with one user per app and the permissions
// `mesh nats-auth` generates (libs/mesh nats-permissions). Every flow of the API still works —
// so each app is allowed what it needs — and a service's health endpoint reports it joined.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, freePort, http, startTestMesh, type TestMesh } from '#testing';
import { image } from '../apps/media/test/test-images.js';

let mesh: TestMesh;
let url: string;

beforeAll(async () => {
  mesh = await startTestMesh({
    auth: true,
    replicas: {
      identity: 1,
      posts: 1,
      comments: 1,
      likes: 1,
      media: 1,
      messaging: 1,
      graph: 1,
      feed: 1,
      notifications: 1,
    },
  });
  url = mesh.edgeUrl;
});
afterAll(async () => mesh?.stop());

async function signup(username: string): Promise<string> {
  const r = await http(url, 'POST', '/auth/signup', { body: { username, password: 'least privilege' } });
  expect(r.status).toBe(201);
  return r.body.token as string;
}

/** The first `data:` line of an event on /events that contains `needle`. */
async function awaitLive(token: string, needle: string, send: () => Promise<void>): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(`${url}/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.any([controller.signal, AbortSignal.timeout(10_000)]),
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  await send();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before "${needle}" arrived: ${text}`);
      text += decoder.decode(value, { stream: true });
      const line = text.split('\n').find((l) => l.startsWith('data:') && l.includes(needle));
      if (line) return line;
    }
  } finally {
    controller.abort();
  }
}

describe('the mesh with per-app NATS permissions', () => {
  it('serves every flow: sign up, post with an image, like, comment, message live, delete', async () => {
    const alice = await signup('perm_alice');
    const bob = await signup('perm_bob');

    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await image('png', 64, 48))]), 'dot.png');
    const upload = await fetch(`${url}/media`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${alice}` },
    });
    expect(upload.status).toBe(201);
    const media = (await upload.json()) as { id: string };
    expect((await http(url, 'GET', `/media/${media.id}/thumbnail`)).status).toBe(200);

    const post = await http(url, 'POST', '/posts', {
      token: alice,
      body: { text: 'under least privilege', mediaIds: [media.id] },
    });
    expect(post.status).toBe(201);
    const id = post.body.id as string;
    expect((await http(url, 'PUT', `/posts/${id}/like`, { token: bob })).status).toBe(204);
    expect((await http(url, 'POST', `/posts/${id}/comments`, { token: bob, body: { text: 'allowed' } })).status).toBe(
      201,
    );

    const view = await http(url, 'GET', `/posts/${id}`, { token: bob });
    expect(view.body).toMatchObject({ likeCount: 1, commentCount: 1, likedByMe: true, degraded: [] });
    expect(view.body.media).toEqual([expect.objectContaining({ id: media.id })]);

    const line = await awaitLive(alice, 'psst', async () => {
      const sent = await http(url, 'POST', '/messages', { token: bob, body: { to: 'perm_alice', text: 'psst' } });
      expect(sent.status).toBe(201);
    });
    expect(line).toContain('perm_bob');

    // notifications consumes likes', comments' and graph's events and pushes live on its own subject.
    const told = await awaitLive(alice, '"type":"follow"', async () => {
      expect((await http(url, 'PUT', '/users/perm_alice/follow', { token: bob })).status).toBe(204);
    });
    expect(told).toContain('perm_bob');
    await expectEventually(async () =>
      expect(
        (await http(url, 'GET', '/notifications', { token: alice })).body.items.map((n: { type: string }) => n.type),
      ).toEqual(['follow', 'comment', 'like']),
    );
    const alicesFollowers = await http(url, 'GET', '/users/perm_alice/followers');
    expect(alicesFollowers.body.items).toEqual([
      expect.objectContaining({ user: expect.objectContaining({ username: 'perm_bob' }) }),
    ]);
    expect((await http(url, 'GET', '/users/perm_alice', { token: bob })).body).toMatchObject({
      followerCount: 1,
      followedByMe: true,
      degraded: [],
    });
    // feed consumes posts' and graph's events under its own user: the follow back-filled the post.
    await expectEventually(async () =>
      expect((await http(url, 'GET', '/timeline/home', { token: bob })).body).toMatchObject({
        items: [expect.objectContaining({ id })],
        degraded: [],
      }),
    );

    expect((await http(url, 'DELETE', `/posts/${id}`, { token: alice })).status).toBe(204);
    expect((await http(url, 'GET', `/posts/${id}`)).status).toBe(404);
  });

  it('lists every service in /mesh (discovery over $SRV is allowed)', async () => {
    const view = await http(mesh.adminUrl, 'GET', '/mesh');
    expect(view.status).toBe(200);
    const up = view.body.services
      .filter((s: { status: string }) => s.status === 'up')
      .map((s: { name: string }) => s.name);
    expect(up).toEqual(
      expect.arrayContaining([
        'identity',
        'posts',
        'comments',
        'likes',
        'media',
        'messaging',
        'graph',
        'feed',
        'notifications',
      ]),
    );
  });

  it('a service replica with HEALTH_PORT answers /health/live and /health/ready once joined', async () => {
    const port = await freePort();
    const replica = await mesh.addReplica('likes', { HEALTH_PORT: String(port) });
    await expectEventually(async () => {
      expect((await http(`http://127.0.0.1:${port}`, 'GET', '/health/ready')).status).toBe(200);
    });
    expect((await http(`http://127.0.0.1:${port}`, 'GET', '/health/live')).body).toEqual({ status: 'ok' });
    replica.kill('SIGTERM');
    expect(await replica.exited).toBe(0);
  });
});
