// Follows through the edge (graph): follow and unfollow by username, the followers and following
// pages, the follow fields on users — and graph's and identity's fail-soft rows with their
// replicas really stopped (SIGTERM by pid).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, http, scaleToZero, startTestMesh, type TestMesh } from '#testing';
import { problem } from './problem.js';

let mesh: TestMesh;
let url: string;
type Account = { token: string; user: { id: string; username: string; displayName: string; createdAt: string } };
let ann: Account;
let ben: Account;
let cal: Account;

const summary = (a: Account) => ({ id: a.user.id, username: a.user.username, displayName: a.user.displayName });
const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

async function signup(username: string): Promise<Account> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: 'follow password' } });
  expect(res.status).toBe(201);
  return res.body;
}
const follow = (who: Account, username: string) => http(url, 'PUT', `/users/${username}/follow`, { token: who.token });
const unfollow = (who: Account, username: string) =>
  http(url, 'DELETE', `/users/${username}/follow`, { token: who.token });

beforeAll(async () => {
  mesh = await startTestMesh({ replicas: { identity: 1, graph: 1 } });
  url = mesh.edgeUrl;
  ann = await signup('ann_follows');
  ben = await signup('ben_follows');
  cal = await signup('cal_follows');
});
afterAll(async () => mesh?.stop());

describe('follows', () => {
  it('follows idempotently and shows it on both users, to each viewer', async () => {
    expect(await follow(ann, 'ben_follows')).toMatchObject({ status: 204, body: '' });
    expect((await follow(ann, 'ben_follows')).status).toBe(204);
    expect((await follow(cal, 'ben_follows')).status).toBe(204);
    expect((await follow(ben, 'ann_follows')).status).toBe(204);

    const asAnn = await http(url, 'GET', '/users/ben_follows', { token: ann.token });
    expect(asAnn).toMatchObject({ status: 200 });
    expect(asAnn.body).toEqual({
      ...ben.user,
      followerCount: 2,
      followingCount: 1,
      followedByMe: true,
      followsMe: true,
      degraded: [],
    });
    const anonymous = await http(url, 'GET', '/users/ben_follows');
    expect(anonymous.body).toEqual({
      ...ben.user,
      followerCount: 2,
      followingCount: 1,
      followedByMe: null,
      followsMe: null,
      degraded: [],
    });
    const me = await http(url, 'GET', '/users/me', { token: cal.token });
    expect(me.body).toEqual({
      ...cal.user,
      followerCount: 0,
      followingCount: 1,
      followedByMe: false,
      followsMe: false,
      degraded: [],
    });
  });

  it('refuses yourself (400), nobody (404), a bad username (400) and no token (401), following nothing', async () => {
    expect(await follow(ann, 'ann_follows')).toEqual(
      expect.objectContaining({
        status: 400,
        body: problem(400, { errors: [{ field: 'username', message: 'you cannot follow yourself' }] }),
      }),
    );
    expect(await follow(ann, 'nobody_follows')).toMatchObject({ status: 404, body: problem(404) });
    expect((await follow(ann, 'Not-A-Name')).status).toBe(400);
    expect(await http(url, 'PUT', '/users/ben_follows/follow')).toMatchObject({ status: 401, body: problem(401) });
    const ann2 = await http(url, 'GET', '/users/ann_follows');
    expect(ann2.body).toMatchObject({ followerCount: 1, followingCount: 1 });
  });

  it('unfollows idempotently, also someone never followed', async () => {
    expect((await unfollow(cal, 'ben_follows')).status).toBe(204);
    expect((await unfollow(cal, 'ben_follows')).status).toBe(204);
    expect((await unfollow(cal, 'ann_follows')).status).toBe(204);
    const ben2 = await http(url, 'GET', '/users/ben_follows', { token: cal.token });
    expect(ben2.body).toMatchObject({ followerCount: 1, followedByMe: false, followsMe: false });
  });

  it('pages followers and following newest first without gaps or repeats', async () => {
    const fans = [];
    for (let i = 0; i < 5; i++) fans.push(await signup(`fan${i}_follows`));
    for (const f of fans) expect((await follow(f, 'cal_follows')).status).toBe(204);
    const first = await http(url, 'GET', '/users/cal_follows/followers?limit=2');
    expect(first).toMatchObject({ status: 200 });
    expect(first.body).toEqual({
      items: [
        { user: summary(fans[4]), since: iso, followedByMe: null },
        { user: summary(fans[3]), since: iso, followedByMe: null },
      ],
      nextCursor: expect.any(String),
    });
    const seen = [...first.body.items];
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const page = await http(url, 'GET', `/users/cal_follows/followers?limit=2&cursor=${cursor}`);
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    }
    expect(seen.map((i) => i.user.username)).toEqual(fans.map((f) => f.user.username).reverse());
    const following = await http(url, 'GET', '/users/fan0_follows/following');
    expect(following.body).toEqual({
      items: [{ user: summary(cal), since: iso, followedByMe: null }],
      nextCursor: null,
    });
    // Signed in, each row says whether you follow that user (one batched question to graph); your
    // own row says nothing.
    expect((await follow(fans[0], 'fan1_follows')).status).toBe(204);
    const asFan0 = await http(url, 'GET', '/users/cal_follows/followers?limit=5', { token: fans[0].token });
    expect(
      asFan0.body.items.map((i: { user: { username: string }; followedByMe: boolean | null }) => [
        i.user.username,
        i.followedByMe,
      ]),
    ).toEqual([
      ['fan4_follows', false],
      ['fan3_follows', false],
      ['fan2_follows', false],
      ['fan1_follows', true],
      ['fan0_follows', null],
    ]);
    expect((await unfollow(fans[0], 'fan1_follows')).status).toBe(204);
    expect(await http(url, 'GET', '/users/nobody_follows/followers')).toMatchObject({
      status: 404,
      body: problem(404),
    });
    expect(await http(url, 'GET', '/users/cal_follows/following?limit=500')).toMatchObject({
      status: 400,
      body: problem(400),
    });
    expect((await http(url, 'GET', '/users/cal_follows/following?cursor=!!')).status).toBe(400);
  });
});

describe('fail soft', () => {
  it('graph down: users carry null follow fields and degraded ["graph"]; follows 503 naming graph', async () => {
    await scaleToZero(mesh, 'graph');
    const user = await http(url, 'GET', '/users/ben_follows', { token: ann.token });
    expect(user).toMatchObject({ status: 200 });
    expect(user.body).toEqual({
      ...ben.user,
      followerCount: null,
      followingCount: null,
      followedByMe: null,
      followsMe: null,
      degraded: ['graph'],
    });
    expect((await http(url, 'GET', '/users/me', { token: ann.token })).body).toMatchObject({ degraded: ['graph'] });
    for (const res of [
      await follow(ann, 'cal_follows'),
      await unfollow(ann, 'ben_follows'),
      await http(url, 'GET', '/users/ben_follows/followers'),
      await http(url, 'GET', '/users/ben_follows/following', { token: ann.token }),
    ]) {
      expect(res).toMatchObject({ status: 503, body: problem(503, { service: 'graph' }) });
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    await mesh.addReplica('graph');
    await expectEventually(async () =>
      expect((await http(url, 'GET', '/users/ben_follows', { token: ann.token })).body).toMatchObject({
        followerCount: 1,
        followedByMe: true,
        degraded: [],
      }),
    );
  });

  it('identity down: follower pages still served from graph; a follow (which looks the user up) 503', async () => {
    await scaleToZero(mesh, 'identity');
    const page = await http(url, 'GET', '/users/cal_follows/followers?limit=1');
    expect(page).toMatchObject({ status: 200, body: { items: [{ user: { username: 'fan4_follows' } }] } });
    expect((await unfollow(ann, 'ben_follows')).status).toBe(204);
    expect(await follow(ann, 'ben_follows')).toMatchObject({
      status: 503,
      body: problem(503, { service: 'identity' }),
    });
    await mesh.addReplica('identity');
    await expectEventually(async () => expect((await follow(ann, 'ben_follows')).status).toBe(204));
  });
});
