// Replicas come and go under load: SIGTERM (drain), SIGSTOP (freeze) and SIGKILL one of two posts
// replicas, and take posts down entirely — identity keeps working and posts answers 503 fast.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, http, startTestMesh, type TestMesh } from '#testing';
import { runLoad, sleep } from './load.js';

let mesh: TestMesh;
let url: string;
let token: string;
const postIds: string[] = [];
const pick = () => `/posts/${postIds[Math.floor(Math.random() * postIds.length)]}`;

async function postsPids(): Promise<number[]> {
  const view = await http(mesh.adminUrl, 'GET', '/mesh');
  return view.body.services
    .find((s: { name: string }) => s.name === 'posts')
    .replicas.map((r: { pid: number }) => r.pid);
}

/** The edge's default read deadline (READ_TIMEOUT_MS). */
const READ_TIMEOUT_MS = 200;

/** Reads of posts that missed their deadline, as the edge counts them. */
async function postsTimeouts(): Promise<number> {
  const text = (await http(mesh.adminUrl, 'GET', '/metrics')).body as string;
  const m = /^nats_requests_total\{subject="posts\.get",outcome="timeout"\} (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

beforeAll(async () => {
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 2 } });
  url = mesh.edgeUrl;
  const s = await http(url, 'POST', '/auth/signup', { body: { username: 'drill_user', password: 'drill password' } });
  token = s.body.token;
  for (let i = 0; i < 20; i++) {
    postIds.push((await http(url, 'POST', '/posts', { token, body: { text: `drill ${i}` } })).body.id);
  }
});
afterAll(async () => mesh?.stop());

describe('replica failures', () => {
  it('SIGTERM drains: one of two replicas leaves under load without a single failed request', async () => {
    const [first, second] = mesh.replicas.get('posts')!;
    expect(await postsPids()).toHaveLength(2);
    const load = runLoad(url, { concurrency: 8, path: pick });
    await sleep(800);
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    await sleep(800);
    const samples = await load.stop();
    expect(samples.length).toBeGreaterThan(50);
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    expect(await postsPids()).toEqual([second.pid]);
    mesh.replicas.set('posts', [second, await mesh.addReplica('posts')]);
  });

  it('SIGSTOP: a frozen replica costs at most one read deadline, then the edge routes around it', async () => {
    const [frozen] = mesh.replicas.get('posts')!;
    const load = runLoad(url, { concurrency: 8, path: pick });
    await sleep(800);
    const stoppedAt = Date.now();
    frozen.kill('SIGSTOP');
    await sleep(3500);
    // It is frozen for real: it no longer answers the mesh's discovery.
    const listedWhileFrozen = await postsPids();
    const timeoutsAt3500 = await postsTimeouts();
    await sleep(2500);
    const timeoutsAt6000 = await postsTimeouts();
    frozen.kill('SIGCONT');
    await sleep(500);
    const samples = await load.stop();
    const during = samples.filter((s) => s.startedAt >= stoppedAt && s.startedAt < stoppedAt + 6000);
    expect(listedWhileFrozen).not.toContain(frozen.pid);
    expect(during.length).toBeGreaterThan(50);
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    // The reads that went to the frozen replica before the edge saw it (the balancer's first
    // picks, each hedged at its p95) wait at most one deadline (200 ms), then are answered by the
    // live replica; with the requests it holds unanswered it costs more than the live one, so
    // within a read or two none go there (docs/fail-soft.md, "A slow replica's share")...
    const worst = Math.max(...during.map((s) => s.ms));
    expect(worst).toBeLessThan(2 * READ_TIMEOUT_MS + 150);
    // ...and once it has missed the edge's $SRV.PING for REPLICA_FRESH_MS (2.5 s), it is not
    // offered at all: no more deadlines are waited out, although NATS still has it subscribed.
    expect(timeoutsAt6000).toBe(timeoutsAt3500);
  });

  it('SIGKILL: no read fails; the ones in flight cost at most one deadline', async () => {
    const [victim, survivor] = mesh.replicas.get('posts')!;
    const load = runLoad(url, { concurrency: 8, path: pick });
    await sleep(800);
    victim.kill('SIGKILL');
    await victim.exited;
    await sleep(1500);
    const samples = await load.stop();
    expect(samples.length).toBeGreaterThan(50);
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(400);
    expect(await postsPids()).toEqual([survivor.pid]);
    mesh.replicas.set('posts', [survivor]);
  });

  it('posts at 0 replicas: posts routes 503 fast, identity and signed-in users keep working', async () => {
    const [last] = mesh.replicas.get('posts')!;
    last.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    await expectEventually(async () => expect(await postsPids()).toEqual([]));

    for (const [method, path] of [
      ['GET', pick()],
      ['GET', '/posts'],
      ['POST', '/posts'],
      ['DELETE', pick()],
    ] as const) {
      const res = await http(url, method, path, {
        token,
        body: method === 'POST' ? { text: 'while down' } : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(res.body).toEqual({
        type: expect.any(String),
        title: 'Service unavailable',
        status: 503,
        detail: expect.any(String),
        service: 'posts',
      });
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.ms).toBeLessThan(100);
    }
    const signup = await http(url, 'POST', '/auth/signup', {
      body: { username: 'while_posts_down', password: 'still works' },
    });
    expect(signup.status).toBe(201);
    expect((await http(url, 'GET', '/users/me', { token: signup.body.token })).status).toBe(200);
    expect((await http(url, 'GET', '/users/drill_user')).status).toBe(200);
    const view = await http(mesh.adminUrl, 'GET', '/mesh');
    const posts = view.body.services.find((s: { name: string }) => s.name === 'posts');
    expect(posts).toEqual({
      name: 'posts',
      status: 'down',
      // No replica at all (none waiting in the mesh either): no reason to give.
      reason: null,
      replicas: [],
      waiting: [],
      degradedLastMinute: expect.any(Number),
      unavailableLastMinute: expect.any(Number),
      // Down is not pressure: no brownout (docs/fail-soft.md, "Under overload").
      brownout: expect.objectContaining({ active: false }),
    });
    // At least the four 503s this test has just been answered, each naming posts.
    expect(posts.unavailableLastMinute).toBeGreaterThanOrEqual(4);

    const back = await mesh.addReplica('posts');
    await expectEventually(async () => expect((await http(url, 'GET', pick())).status).toBe(200));
    expect(await postsPids()).toEqual([back.pid]);
  });

  it('identity at 0 replicas: tokens still work, /users/me from the token, signup 503', async () => {
    const [identity] = mesh.replicas.get('identity')!;
    identity.kill('SIGTERM');
    expect(await identity.exited).toBe(0);
    const me = await http(url, 'GET', '/users/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      id: expect.any(String),
      username: 'drill_user',
      displayName: 'drill_user',
      createdAt: expect.any(String),
      // graph is not part of this mesh: the follow fields are left out, as degraded.
      followerCount: null,
      followingCount: null,
      followedByMe: null,
      followsMe: null,
      degraded: ['graph'],
    });
    expect((await http(url, 'POST', '/posts', { token, body: { text: 'identity is down' } })).status).toBe(201);
    const signup = await http(url, 'POST', '/auth/signup', { body: { username: 'nope_down', password: 'whatever1' } });
    expect(signup).toMatchObject({ status: 503, body: { service: 'identity' } });
    expect(signup.ms).toBeLessThan(100);
    expect(await http(url, 'GET', '/users/drill_user')).toMatchObject({ status: 503, body: { service: 'identity' } });
  });
});
