// docs/fail-soft.md, row by row, over HTTP against real processes: each service scaled to 0 (its
// replicas SIGTERMed by pid), its row checked — degraded reads as fast as healthy ones, 503s
// naming it in < 100 ms, everything not named still answering — then scaled back, with normal
// answers within 5 s. The rows under load and the infrastructure rows are in drills.chaos-spec.ts (npm run test:chaos).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectEventually,
  http,
  liveReplicas,
  scaleToZero,
  signup,
  startTestMesh,
  type DrillAccount,
  type HttpResult,
  type TestMesh,
} from '#testing';
import { image } from '../../apps/media/test/test-images.js';
import { expectFast503, median, openEvents, p50Of } from './chaos-mesh.js';

const SERVICES = [
  'identity',
  'posts',
  'comments',
  'likes',
  'media',
  'messaging',
  'graph',
  'feed',
  'notifications',
] as const;
type Service = (typeof SERVICES)[number];

let mesh: TestMesh;
let url: string;
let alice: DrillAccount;
let bob: DrillAccount;
let postId: string;
let mediaId: string;
let mediaPostId: string;
/** Healthy p50 of GET /posts/:id for the plain post and the one with media, measured first. */
const healthyP50 = new Map<string, number>();

async function upload(token: string): Promise<HttpResult> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await image('png', 40, 30))]), 'x.png');
  const started = performance.now();
  const res = await fetch(`${url}/media`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? JSON.parse(text) : text,
    ms: performance.now() - started,
  };
}

const readPost = (id = postId) => http(url, 'GET', `/posts/${id}`, { token: bob.token });

/**
 * One read and one write per service, as a user would use it: what must keep answering while
 * another service is down. `needs` are the services whose row in docs/fail-soft.md names this route.
 */
const probes: Record<Service, Array<{ what: string; needs: Service[]; call: () => Promise<HttpResult> }>> = {
  identity: [
    { what: 'GET /users/:username', needs: [], call: () => http(url, 'GET', '/users/alice_chaos') },
    {
      what: 'POST /auth/login',
      needs: [],
      call: () => http(url, 'POST', '/auth/login', { body: { username: 'bob_chaos', password: 'chaos password' } }),
    },
  ],
  posts: [
    { what: 'GET /posts/:id', needs: [], call: () => readPost() },
    { what: 'GET /posts', needs: [], call: () => http(url, 'GET', '/posts?limit=20', { token: bob.token }) },
    {
      what: 'POST /posts',
      needs: [],
      call: () => http(url, 'POST', '/posts', { token: bob.token, body: { text: 'still here' } }),
    },
  ],
  comments: [
    { what: 'GET /posts/:id/comments', needs: [], call: () => http(url, 'GET', `/posts/${postId}/comments`) },
    {
      what: 'POST /posts/:id/comments',
      needs: ['posts'],
      call: () => http(url, 'POST', `/posts/${postId}/comments`, { token: bob.token, body: { text: 'still here' } }),
    },
  ],
  likes: [
    { what: 'GET /posts/:id/likes', needs: [], call: () => http(url, 'GET', `/posts/${postId}/likes`) },
    {
      what: 'PUT /posts/:id/like',
      needs: ['posts'],
      call: () => http(url, 'PUT', `/posts/${postId}/like`, { token: bob.token }),
    },
  ],
  media: [
    { what: 'GET /media/:id', needs: [], call: () => http(url, 'GET', `/media/${mediaId}`) },
    { what: 'POST /media', needs: [], call: () => upload(alice.token) },
  ],
  messaging: [
    {
      what: 'GET /messages/:username',
      needs: [],
      call: () => http(url, 'GET', '/messages/alice_chaos', { token: bob.token }),
    },
    {
      what: 'POST /messages',
      needs: [],
      call: () => http(url, 'POST', '/messages', { token: bob.token, body: { to: 'alice_chaos', text: 'still here' } }),
    },
  ],
  graph: [
    { what: 'GET /users/:username/followers', needs: [], call: () => http(url, 'GET', '/users/alice_chaos/followers') },
    {
      what: 'PUT /users/:username/follow',
      needs: ['identity'],
      call: () => http(url, 'PUT', '/users/alice_chaos/follow', { token: bob.token }),
    },
  ],
  feed: [
    {
      what: 'GET /timeline/home',
      needs: ['posts'],
      call: () => http(url, 'GET', '/timeline/home', { token: bob.token }),
    },
  ],
  notifications: [
    { what: 'GET /notifications', needs: [], call: () => http(url, 'GET', '/notifications', { token: alice.token }) },
    {
      what: 'GET /notifications/unread-count',
      needs: [],
      call: () => http(url, 'GET', '/notifications/unread-count', { token: alice.token }),
    },
  ],
};

/** Everything docs/fail-soft.md does not name in the row of `down` answers as if nothing happened. */
async function othersAnswer(down: Service): Promise<void> {
  for (const service of SERVICES.filter((s) => s !== down)) {
    for (const p of probes[service].filter((x) => !x.needs.includes(down))) {
      const res = await p.call();
      expect(res.status, `${p.what} while ${down} is down: ${JSON.stringify(res.body).slice(0, 200)}`).toBeLessThan(
        300,
      );
      // A stitched read may miss the part of the service that is down, and nothing else.
      const degraded: string[] = typeof res.body === 'object' && res.body?.degraded ? res.body.degraded : [];
      expect(
        degraded.filter((d) => d !== down),
        `${p.what} degraded while ${down} is down`,
      ).toEqual([]);
    }
  }
}

/**
 * One row: `service` scaled to 0 (every replica SIGTERMed by pid, each exiting 0), the row's own
 * checks, everything else still answering; then one replica back and normal answers (every probe
 * of the service 2xx, nothing degraded) within 5 s of it joining. The replica comes back even when
 * a check failed, so one broken row does not break the rows after it.
 */
async function row(service: Service, checks: () => Promise<void>): Promise<void> {
  expect(await scaleToZero(mesh, service)).toEqual([0]);
  try {
    await checks();
    await othersAnswer(service);
  } finally {
    if (liveReplicas(mesh, service).length === 0) await mesh.addReplica(service);
  }
  const joined = performance.now();
  await expectEventually(
    async () => {
      for (const p of probes[service]) expect((await p.call()).status, p.what).toBeLessThan(300);
      expect((await readPost()).body.degraded).toEqual([]);
    },
    { timeoutMs: 5000 },
  );
  process.stdout.write(
    `[matrix] ${service} back: normal answers ${(performance.now() - joined).toFixed(0)} ms after its replica joined\n`,
  );
}

/** A degraded read is about as fast as the same read healthy (docs/drills.md: within ~10 ms of its p50). */
async function expectDegradedAsFast(down: Service, id: string): Promise<void> {
  const degraded = await p50Of(20, () => readPost(id));
  const healthy = healthyP50.get(id)!;
  process.stdout.write(
    `[matrix] ${down} down: GET /posts/:id p50 ${degraded.toFixed(1)} ms degraded, ${healthy.toFixed(1)} ms healthy\n`,
  );
  expect(degraded, `degraded p50 ${degraded.toFixed(1)} ms vs healthy ${healthy.toFixed(1)} ms`).toBeLessThan(
    healthy + 10,
  );
}

beforeAll(async () => {
  mesh = await startTestMesh({
    replicas: Object.fromEntries(SERVICES.map((s) => [s, 1])),
    env: { SSE_KEEPALIVE_MS: '500', ACCESS_LOG: 'false', LOG_LEVEL: 'warn' },
  });
  url = mesh.edgeUrl;
  alice = await signup(url, 'alice_chaos');
  bob = await signup(url, 'bob_chaos');
  postId = (await http(url, 'POST', '/posts', { token: alice.token, body: { text: 'the matrix' } })).body.id;
  expect(
    (await http(url, 'POST', `/posts/${postId}/comments`, { token: bob.token, body: { text: 'hi' } })).status,
  ).toBe(201);
  expect((await http(url, 'PUT', `/posts/${postId}/like`, { token: bob.token })).status).toBe(204);
  mediaId = (await upload(alice.token)).body.id;
  mediaPostId = (await http(url, 'POST', '/posts', { token: alice.token, body: { text: 'pic', mediaIds: [mediaId] } }))
    .body.id;
  expect(
    (await http(url, 'POST', '/messages', { token: alice.token, body: { to: 'bob_chaos', text: 'hi' } })).status,
  ).toBe(201);
  // Every probe answers while nothing is down, or the rows below would prove nothing.
  for (const p of Object.values(probes).flat()) expect((await p.call()).status, p.what).toBeLessThan(300);
  for (const id of [postId, mediaPostId]) healthyP50.set(id, await p50Of(20, () => readPost(id)));
}, 120_000);
afterAll(async () => mesh?.stop());

describe('fail-soft matrix: one service at 0 replicas', () => {
  it('likes: posts and pages 200 with likeCount/likedByMe null, degraded [likes]; likes list, like, unlike 503', async () => {
    await row('likes', async () => {
      const post = await readPost();
      expect(post.status).toBe(200);
      expect(post.body).toMatchObject({
        likeCount: null,
        likedByMe: null,
        commentCount: expect.any(Number),
        degraded: ['likes'],
      });
      const page = await http(url, 'GET', '/posts?limit=20', { token: bob.token });
      expect(page.status).toBe(200);
      expect(page.body.degraded).toEqual(['likes']);
      for (const item of page.body.items) expect(item).toMatchObject({ likeCount: null, likedByMe: null });
      await expectDegradedAsFast('likes', postId);
      expectFast503(await http(url, 'GET', `/posts/${postId}/likes`), 'likes', 'GET /posts/:id/likes');
      expectFast503(await http(url, 'PUT', `/posts/${postId}/like`, { token: alice.token }), 'likes', 'PUT like');
      expectFast503(await http(url, 'DELETE', `/posts/${postId}/like`, { token: alice.token }), 'likes', 'DELETE like');
    });
    expect((await readPost()).body).toMatchObject({ likeCount: 1, likedByMe: true, degraded: [] });
  });

  it('comments: posts 200 with commentCount null, degraded [comments]; comment list, create, delete 503', async () => {
    const mine = await http(url, 'POST', `/posts/${postId}/comments`, { token: bob.token, body: { text: 'mine' } });
    expect(mine.status).toBe(201);
    await row('comments', async () => {
      const post = await readPost();
      expect(post.status).toBe(200);
      expect(post.body).toMatchObject({ commentCount: null, likeCount: 1, degraded: ['comments'] });
      await expectDegradedAsFast('comments', postId);
      expectFast503(await http(url, 'GET', `/posts/${postId}/comments`), 'comments', 'GET comments');
      expectFast503(
        await http(url, 'POST', `/posts/${postId}/comments`, { token: bob.token, body: { text: 'x' } }),
        'comments',
        'POST comment',
      );
      expectFast503(
        await http(url, 'DELETE', `/comments/${mine.body.id}`, { token: bob.token }),
        'comments',
        'DELETE comment',
      );
    });
  });

  it('media: posts 200 with media as {id}, degraded [media]; media routes and posts with mediaIds 503, without 201', async () => {
    await row('media', async () => {
      const post = await readPost(mediaPostId);
      expect(post.status).toBe(200);
      expect(post.body).toMatchObject({ media: [{ id: mediaId }], degraded: ['media'] });
      expect(Object.keys(post.body.media[0])).toEqual(['id']);
      await expectDegradedAsFast('media', mediaPostId);
      expectFast503(await http(url, 'GET', `/media/${mediaId}`), 'media', 'GET /media/:id');
      expectFast503(await http(url, 'GET', `/media/${mediaId}/thumbnail`), 'media', 'GET thumbnail');
      expectFast503(await upload(alice.token), 'media', 'POST /media');
      expectFast503(
        await http(url, 'POST', '/posts', { token: alice.token, body: { text: 'pic', mediaIds: [mediaId] } }),
        'media',
        'POST /posts with mediaIds',
      );
      expect((await http(url, 'POST', '/posts', { token: alice.token, body: { text: 'no pic' } })).status).toBe(201);
    });
  });

  it('identity: a valid token works everywhere; GET /users/:username, signup and login 503', async () => {
    await row('identity', async () => {
      expect(await http(url, 'GET', '/users/me', { token: bob.token })).toMatchObject({ status: 200, body: bob.user });
      expectFast503(await http(url, 'GET', '/users/alice_chaos'), 'identity', 'GET /users/:username');
      expectFast503(
        await http(url, 'POST', '/auth/signup', { body: { username: 'nobody_chaos', password: 'chaos password' } }),
        'identity',
        'signup',
      );
      expectFast503(
        await http(url, 'POST', '/auth/login', { body: { username: 'bob_chaos', password: 'chaos password' } }),
        'identity',
        'login',
      );
    });
  });

  it('messaging: message lists and POST /messages 503; an open /events stream stays open', async () => {
    const stream = await openEvents(url, bob.token);
    expect(stream.status).toBe(200);
    try {
      await row('messaging', async () => {
        const seen = stream.chunks();
        expectFast503(
          await http(url, 'GET', '/messages/alice_chaos', { token: bob.token }),
          'messaging',
          'GET messages',
        );
        expectFast503(
          await http(url, 'GET', '/conversations', { token: bob.token }),
          'messaging',
          'GET /conversations',
        );
        expectFast503(
          await http(url, 'POST', '/messages', { token: bob.token, body: { to: 'alice_chaos', text: 'x' } }),
          'messaging',
          'POST /messages',
        );
        // Keep-alives (every 500 ms here) still arrive on the stream opened before the outage.
        await expectEventually(() => expect(stream.chunks()).toBeGreaterThan(seen), { timeoutMs: 2000 });
        expect(stream.ended()).toBe(false);
      });
    } finally {
      stream.close();
    }
  });

  it('posts: GET /posts* and POST/DELETE /posts 503; comment and like on a post 503 naming posts', async () => {
    await row('posts', async () => {
      expectFast503(await readPost(), 'posts', 'GET /posts/:id');
      expectFast503(await http(url, 'GET', '/posts?limit=20'), 'posts', 'GET /posts');
      expectFast503(await http(url, 'GET', '/posts?author=alice_chaos'), 'posts', 'GET /posts?author');
      expectFast503(
        await http(url, 'POST', '/posts', { token: bob.token, body: { text: 'x' } }),
        'posts',
        'POST /posts',
      );
      expectFast503(
        await http(url, 'DELETE', `/posts/${postId}`, { token: alice.token }),
        'posts',
        'DELETE /posts/:id',
      );
      expectFast503(
        await http(url, 'POST', `/posts/${postId}/comments`, { token: bob.token, body: { text: 'x' } }),
        'posts',
        'POST comment',
      );
      expectFast503(await http(url, 'PUT', `/posts/${postId}/like`, { token: alice.token }), 'posts', 'PUT like');
    });
  });

  it('graph: users 200 with follow fields null, degraded [graph]; post pages for a signed-in reader too; follow, unfollow, follower lists 503', async () => {
    await row('graph', async () => {
      // Whether bob follows each author is graph's: null, and graph named, on every post page he reads.
      const post = await readPost();
      expect(post.status).toBe(200);
      expect(post.body).toMatchObject({
        author: { username: 'alice_chaos', followedByMe: null },
        likeCount: 1,
        commentCount: expect.any(Number),
        degraded: ['graph'],
      });
      const byAuthor = await http(url, 'GET', '/posts?author=alice_chaos&limit=20', { token: bob.token });
      expect(byAuthor.status).toBe(200);
      expect(byAuthor.body.degraded).toEqual(['graph']);
      for (const item of byAuthor.body.items) expect(item.author.followedByMe).toBe(null);
      // The home feed says whom bob follows itself (feed's projection of the follows): whole.
      const home = await http(url, 'GET', '/timeline/home?limit=100', { token: bob.token });
      expect(home.status).toBe(200);
      expect(home.body.degraded).toEqual([]);
      for (const item of home.body.items.filter((i: any) => i.author.username !== 'bob_chaos')) {
        expect(typeof item.author.followedByMe).toBe('boolean');
      }
      // Anonymous readers never ask graph: nothing is missing for them.
      expect((await http(url, 'GET', `/posts/${postId}`)).body).toMatchObject({
        author: { followedByMe: null },
        degraded: [],
      });
      await expectDegradedAsFast('graph', postId);
      const user = await http(url, 'GET', '/users/alice_chaos', { token: bob.token });
      expect(user.status).toBe(200);
      expect(user.body).toMatchObject({
        username: 'alice_chaos',
        followerCount: null,
        followingCount: null,
        followedByMe: null,
        followsMe: null,
        degraded: ['graph'],
      });
      expectFast503(await http(url, 'PUT', '/users/alice_chaos/follow', { token: bob.token }), 'graph', 'PUT follow');
      expectFast503(
        await http(url, 'DELETE', '/users/alice_chaos/follow', { token: bob.token }),
        'graph',
        'DELETE follow',
      );
      expectFast503(await http(url, 'GET', '/users/alice_chaos/followers'), 'graph', 'GET followers');
      expectFast503(await http(url, 'GET', '/users/alice_chaos/following'), 'graph', 'GET following');
    });
    expect((await http(url, 'GET', '/users/alice_chaos', { token: bob.token })).body).toMatchObject({
      followerCount: 1,
      followedByMe: true,
      degraded: [],
    });
    expect((await readPost()).body).toMatchObject({ author: { followedByMe: true }, degraded: [] });
  });

  it('feed: the home timeline 200, built from graph and posts, degraded [feed], about as fast', async () => {
    // bob follows alice (the graph probe): her posts reach his feed through feed's consumers.
    const healthy = await expectEventually(async () => {
      const res = await http(url, 'GET', '/timeline/home', { token: bob.token });
      expect(res.body.items.length).toBeGreaterThan(0);
      return res;
    });
    const healthyP50 = await p50Of(20, () => http(url, 'GET', '/timeline/home', { token: bob.token }));
    await row('feed', async () => {
      const home = await http(url, 'GET', '/timeline/home', { token: bob.token });
      expect(home.status).toBe(200);
      expect(home.body.degraded).toEqual(['feed']);
      expect(home.body.items.map((p: { id: string }) => p.id)).toEqual(
        healthy.body.items.map((p: { id: string }) => p.id),
      );
      const degradedP50 = await p50Of(20, () => http(url, 'GET', '/timeline/home', { token: bob.token }));
      process.stdout.write(
        `[matrix] feed down: GET /timeline/home p50 ${degradedP50.toFixed(1)} ms built at read time, ${healthyP50.toFixed(1)} ms from feed\n`,
      );
      expect(degradedP50).toBeLessThan(2 * healthyP50 + 10);
    });
  });

  it('notifications: its routes 503 naming it, fast; every write (like, comment, follow, post with a mention) as fast as healthy; back, each missed one once', async () => {
    const told = await expectEventually(async () => {
      const res = await http(url, 'GET', '/notifications?limit=100', { token: alice.token });
      expect(res.body.items.length).toBeGreaterThan(0);
      return res.body;
    });
    // Each round writes one of each kind that feeds notifications, then takes the like and the
    // follow back: the p50 of each kind healthy and with notifications at 0, in the same run.
    const carol = await signup(url, 'carol_chaos');
    const target = (await http(url, 'POST', '/posts', { token: alice.token, body: { text: 'tell me' } })).body.id;
    const round = async (ms: Record<string, number[]>) => {
      const writes: Array<[string, () => Promise<HttpResult>, number]> = [
        ['PUT like', () => http(url, 'PUT', `/posts/${target}/like`, { token: carol.token }), 204],
        ['DELETE like', () => http(url, 'DELETE', `/posts/${target}/like`, { token: carol.token }), 204],
        [
          'POST comment',
          () => http(url, 'POST', `/posts/${target}/comments`, { token: carol.token, body: { text: 'hm' } }),
          201,
        ],
        ['PUT follow', () => http(url, 'PUT', '/users/alice_chaos/follow', { token: carol.token }), 204],
        ['DELETE follow', () => http(url, 'DELETE', '/users/alice_chaos/follow', { token: carol.token }), 204],
        [
          'POST /posts with a mention',
          () => http(url, 'POST', '/posts', { token: carol.token, body: { text: 'hey @alice_chaos' } }),
          201,
        ],
      ];
      for (const [what, call, status] of writes) {
        const res = await call();
        expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(status);
        (ms[what] ??= []).push(res.ms);
      }
    };
    const healthy: Record<string, number[]> = {};
    const down: Record<string, number[]> = {};
    await round({}); // warm-up: the first of each write prepares its statements
    for (let i = 0; i < 10; i++) await round(healthy);
    const base = await expectEventually(async () => {
      const res = await http(url, 'GET', '/notifications?limit=100', { token: alice.token });
      // 11 comments and 11 mentions of carol's (her like and follow were taken back).
      expect(res.body.items.filter((n: { actor: { id: string } }) => n.actor.id === carol.user.id)).toHaveLength(22);
      return res.body;
    });
    const notifications = liveReplicas(mesh, 'notifications');
    await row('notifications', async () => {
      // Really stopped: the replica's process has exited, and nothing else serves notifications.
      for (const p of notifications) expect(() => process.kill(p.pid, 0), `pid ${p.pid}`).toThrow();
      expectFast503(await http(url, 'GET', '/notifications', { token: alice.token }), 'notifications', 'GET list');
      expectFast503(
        await http(url, 'GET', '/notifications/unread-count', { token: alice.token }),
        'notifications',
        'GET unread-count',
      );
      expectFast503(
        await http(url, 'POST', '/notifications/read', { token: alice.token, body: { upTo: told.items[0].id } }),
        'notifications',
        'POST read',
      );
      for (let i = 0; i < 10; i++) await round(down);
      for (const what of Object.keys(healthy)) {
        const [h, d] = [median(healthy[what]), median(down[what])];
        process.stdout.write(
          `[matrix] notifications down: ${what} p50 ${d.toFixed(1)} ms, ${h.toFixed(1)} ms healthy\n`,
        );
        expect(d, `${what} p50 ${d.toFixed(1)} ms down vs ${h.toFixed(1)} ms healthy`).toBeLessThan(1.5 * h + 10);
      }
      // The writes that stay: a like and a follow, told once notifications is back.
      expect((await http(url, 'PUT', `/posts/${target}/like`, { token: carol.token })).status).toBe(204);
      expect((await http(url, 'PUT', '/users/alice_chaos/follow', { token: carol.token })).status).toBe(204);
    });
    // Back: what was written while it was down, each once, and the unread count to match (the
    // probes of the other rows told alice of bob's comment too, so the count is taken from the list).
    const ofCarol = (items: Array<{ type: string; actor: { id: string } }>) => {
      const carols = items.filter((n) => n.actor.id === carol.user.id);
      return ['comment', 'mention', 'like', 'follow'].map((t) => carols.filter((n) => n.type === t).length);
    };
    const after = await expectEventually(
      async () => {
        const res = await http(url, 'GET', '/notifications?limit=100', { token: alice.token });
        expect(ofCarol(res.body.items)).toEqual([21, 21, 1, 1]);
        return res.body;
      },
      { timeoutMs: 15_000 },
    );
    expect(after.nextCursor).toBe(null);
    expect(after.unread).toBe(after.items.filter((n: { read: boolean }) => !n.read).length);
    expect(after.unread - base.unread).toBeGreaterThanOrEqual(22); // 10 comments, 10 mentions, a like, a follow;
    expect(new Set(after.items.map((n: { id: string }) => n.id)).size).toBe(after.items.length);
  });

  it('one edge replica (SIGKILL): another edge serves reads, writes and /events', async () => {
    const other = await mesh.addEdge();
    const [first] = mesh.edges;
    first.kill('SIGKILL');
    await first.exited;
    const stream = await openEvents(other.url, bob.token);
    expect(stream.status).toBe(200);
    stream.close();
    const read = await http(other.url, 'GET', `/posts/${postId}`, { token: bob.token });
    expect(read).toMatchObject({ status: 200, body: { degraded: [] } });
    expect((await http(other.url, 'POST', '/posts', { token: bob.token, body: { text: 'other edge' } })).status).toBe(
      201,
    );
  });
});
