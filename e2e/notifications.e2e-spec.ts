// Notifications through the edge, against the whole mesh as processes: a follow, a like and a
// comment are told (newest first, the unread count, the read marker), an unlike takes its
// notification back while unread, each new one (and each take-back, as notification-removed) is
// pushed live to every open GET /events stream of its recipient on both edges, and the fail-soft row with the replica really stopped (SIGTERM
// by pid): writes answer as before, GET /notifications* 503 naming notifications; back, every
// missed notification appears once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, http, scaleToZero, startTestMesh, type TestMesh } from '#testing';
import { problem } from './problem.js';
import { openStream, ticketQuery } from './sse.js';

let mesh: TestMesh;
let edge1: string;
let edge2: string;
type Account = { token: string; user: { id: string; username: string; displayName: string } };
let ann: Account;
let bob: Account;
let cy: Account;

async function signup(username: string): Promise<Account> {
  const res = await http(edge1, 'POST', '/auth/signup', { body: { username, password: 'notify password' } });
  expect(res.status).toBe(201);
  return res.body;
}
const summary = (a: Account) => ({ id: a.user.id, username: a.user.username, displayName: a.user.displayName });
const write = async (who: Account, text: string): Promise<string> => {
  const res = await http(edge1, 'POST', '/posts', { token: who.token, body: { text } });
  expect(res.status).toBe(201);
  return res.body.id;
};
const list = (who: Account, query = '') => http(edge1, 'GET', `/notifications${query}`, { token: who.token });
const unread = async (who: Account): Promise<number> => {
  const res = await http(edge2, 'GET', '/notifications/unread-count', { token: who.token });
  expect(res.status).toBe(200);
  return res.body.unread;
};

beforeAll(async () => {
  mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, graph: 1, likes: 1, comments: 1, notifications: 1 },
  });
  edge1 = mesh.edgeUrl;
  edge2 = (await mesh.addEdge()).url;
  ann = await signup('ann_notify');
  bob = await signup('bob_notify');
  cy = await signup('cy_notify');
}, 120_000);
afterAll(async () => mesh?.stop());

describe('notifications', () => {
  it('need a token, and refuse a bad query or body without changing anything', async () => {
    for (const [method, path] of [
      ['GET', '/notifications'],
      ['GET', '/notifications/unread-count'],
      ['POST', '/notifications/read'],
    ] as const) {
      expect(
        await http(edge1, method, path, { body: method === 'POST' ? { upTo: ann.user.id } : undefined }),
      ).toMatchObject({ status: 401, body: problem(401) });
    }
    expect(await list(ann, '?limit=0')).toMatchObject({ status: 400, body: problem(400) });
    expect(await list(ann, '?cursor=%%')).toMatchObject({ status: 400, body: problem(400) });
    expect(await list(ann, '?cursor=bm9wZQ')).toMatchObject({ status: 400, body: problem(400) });
    for (const body of [{}, { upTo: 'nope' }, { upTo: ann.user.id, extra: 1 }]) {
      expect(await http(edge1, 'POST', '/notifications/read', { token: ann.token, body })).toMatchObject({
        status: 400,
        body: problem(400),
      });
    }
    expect(
      await http(edge1, 'POST', '/notifications/read', { token: ann.token, body: { upTo: ann.user.id } }),
    ).toMatchObject({
      status: 404,
      body: problem(404),
    });
    expect((await list(ann)).body).toEqual({ items: [], nextCursor: null, unread: 0 });
  });

  it('tells a follow, a like and a comment, pushed live to every stream of the recipient on both edges', async () => {
    const onEdge1 = await openStream(edge1, { token: ann.token });
    const onEdge2 = await openStream(edge2, { query: await ticketQuery(edge2, ann.token) });
    for (const s of [onEdge1, onEdge2]) await s.until(() => s.comments.some((c) => c.text === 'connected'), 2000);
    const postId = await write(ann, 'a post worth telling about');

    const started = performance.now();
    expect((await http(edge2, 'PUT', '/users/ann_notify/follow', { token: bob.token })).status).toBe(204);
    const follow = await onEdge1.nextEvent(3000);
    const lagMs = follow.at - started;
    expect((await http(edge1, 'PUT', `/posts/${postId}/like`, { token: bob.token })).status).toBe(204);
    const liked = await onEdge1.nextEvent(3000);
    const commented = await http(edge1, 'POST', `/posts/${postId}/comments`, {
      token: bob.token,
      body: { text: 'well said' },
    });
    expect(commented.status).toBe(201);
    const comment = await onEdge1.nextEvent(3000);
    process.stdout.write(`[notifications] follow commit → live on the recipient's stream: ${lagMs.toFixed(0)} ms\n`);
    expect(lagMs).toBeLessThan(1000);

    const page = await list(ann);
    expect(page.status).toBe(200);
    const post = { id: postId, excerpt: 'a post worth telling about' };
    expect(page.body).toEqual({
      items: [
        {
          id: expect.any(String),
          type: 'comment',
          actor: summary(bob),
          post,
          comment: { id: commented.body.id, excerpt: 'well said' },
          createdAt: expect.stringMatching(/Z$/),
          read: false,
        },
        {
          id: expect.any(String),
          type: 'like',
          actor: summary(bob),
          count: 1,
          actors: [summary(bob)],
          post,
          createdAt: expect.stringMatching(/Z$/),
          read: false,
        },
        {
          id: expect.any(String),
          type: 'follow',
          actor: summary(bob),
          createdAt: expect.stringMatching(/Z$/),
          read: false,
        },
      ],
      nextCursor: null,
      unread: 3,
    });
    // The pushes are the listed notifications, on both edges, in commit order.
    const pushed = [follow, liked, comment];
    expect(pushed.map((e) => e.event)).toEqual(['notification', 'notification', 'notification']);
    expect(pushed.map((e) => JSON.parse(e.data))).toEqual([...page.body.items].reverse());
    await onEdge2.until(() => onEdge2.events.length >= 3, 3000);
    expect(onEdge2.events.map((e) => JSON.parse(e.data))).toEqual([...page.body.items].reverse());
    // bob's own actions told bob nothing.
    expect((await list(bob)).body).toEqual({ items: [], nextCursor: null, unread: 0 });
    onEdge1.res.destroy();
    onEdge2.res.destroy();

    // The marker: the like and everything below it read; the comment above it stays unread.
    const marked = await http(edge1, 'POST', '/notifications/read', {
      token: ann.token,
      body: { upTo: page.body.items[1].id },
    });
    expect(marked.status).toBe(204);
    expect(await unread(ann)).toBe(1);
    expect((await list(ann)).body.items.map((i: { read: boolean }) => i.read)).toEqual([false, true, true]);
  });

  it('takes back an unread like when it is unliked', async () => {
    const postId = await write(ann, 'like me not');
    expect((await http(edge1, 'PUT', `/posts/${postId}/like`, { token: cy.token })).status).toBe(204);
    await expectEventually(async () => expect((await list(ann)).body.items[0].post?.id).toBe(postId));
    const before = await unread(ann);
    expect((await http(edge1, 'DELETE', `/posts/${postId}/like`, { token: cy.token })).status).toBe(204);
    await expectEventually(async () => expect(await unread(ann)).toBe(before - 1));
    expect((await list(ann)).body.items.map((i: { post?: { id: string } }) => i.post?.id)).not.toContain(postId);
  });

  it('pushes each take-back live (an unlike, unfollow, deleted comment, deleted post) as notification-removed with the count, on both edges', async () => {
    const onEdge1 = await openStream(edge1, { token: ann.token });
    const onEdge2 = await openStream(edge2, { query: await ticketQuery(edge2, ann.token) });
    for (const s of [onEdge1, onEdge2]) await s.until(() => s.comments.some((c) => c.text === 'connected'), 2000);
    const base = await unread(ann);
    const postId = await write(ann, 'take it back');
    // Each action told, then undone: the undoing is pushed as the removal of what was told.
    const steps: Array<[string, () => Promise<number>, () => Promise<number>]> = [];
    let commentId = '';
    let mentionId = '';
    steps.push(
      [
        'like',
        async () => (await http(edge1, 'PUT', `/posts/${postId}/like`, { token: cy.token })).status,
        async () => (await http(edge2, 'DELETE', `/posts/${postId}/like`, { token: cy.token })).status,
      ],
      [
        'follow',
        async () => (await http(edge1, 'PUT', '/users/ann_notify/follow', { token: cy.token })).status,
        async () => (await http(edge2, 'DELETE', '/users/ann_notify/follow', { token: cy.token })).status,
      ],
      [
        'comment',
        async () => {
          const c = await http(edge1, 'POST', `/posts/${postId}/comments`, { token: cy.token, body: { text: 'oops' } });
          commentId = c.body.id;
          return c.status;
        },
        async () => (await http(edge2, 'DELETE', `/comments/${commentId}`, { token: cy.token })).status,
      ],
      [
        'mention',
        async () => {
          const p = await http(edge1, 'POST', '/posts', { token: cy.token, body: { text: 'hey @ann_notify' } });
          mentionId = p.body.id;
          return p.status;
        },
        async () => (await http(edge2, 'DELETE', `/posts/${mentionId}`, { token: cy.token })).status,
      ],
    );
    for (const [type, act, undo] of steps) {
      expect([200, 201, 204], type).toContain(await act());
      const told = await onEdge1.nextEvent(3000);
      expect(told.event, type).toBe('notification');
      const notification = JSON.parse(told.data);
      expect(notification.type).toBe(type);
      expect(await unread(ann)).toBe(base + 1);
      expect([200, 204], type).toContain(await undo());
      const started = performance.now();
      const removed = await onEdge1.nextEvent(3000);
      process.stdout.write(
        `[notifications] ${type} taken back → notification-removed on the stream: ${(removed.at - started).toFixed(0)} ms\n`,
      );
      expect({ event: removed.event, data: JSON.parse(removed.data) }, type).toEqual({
        event: 'notification-removed',
        data: { id: notification.id, type, unread: base },
      });
      expect(await unread(ann)).toBe(base);
    }
    // The other edge relayed the same pushes, in the same order.
    await onEdge2.until(() => onEdge2.events.length >= 8, 3000);
    expect(onEdge2.events.map((e) => [e.event, e.data])).toEqual(onEdge1.events.map((e) => [e.event, e.data]));
    // A read notification stays as history: taking it back pushes nothing.
    expect((await http(edge1, 'PUT', `/posts/${postId}/like`, { token: cy.token })).status).toBe(204);
    const liked = JSON.parse((await onEdge1.nextEvent(3000)).data);
    expect(
      (await http(edge1, 'POST', '/notifications/read', { token: ann.token, body: { upTo: liked.id } })).status,
    ).toBe(204);
    expect((await http(edge1, 'DELETE', `/posts/${postId}/like`, { token: cy.token })).status).toBe(204);
    // Then something new, so the stream shows nothing came in between.
    expect((await http(edge1, 'PUT', `/posts/${postId}/like`, { token: bob.token })).status).toBe(204);
    const next = await onEdge1.nextEvent(3000);
    expect(next.event).toBe('notification');
    expect(JSON.parse(next.data)).toMatchObject({ type: 'like', actor: summary(bob) });
    onEdge1.res.destroy();
    onEdge2.res.destroy();
  });

  it('notifications down: writes answer as before, its routes 503 naming it; back, every missed one appears once', async () => {
    const postId = await write(ann, 'while you were away');
    const before = (await list(ann, '?limit=100')).body;
    await scaleToZero(mesh, 'notifications');
    expect((await http(edge1, 'PUT', '/users/ann_notify/follow', { token: cy.token })).status).toBe(204);
    expect((await http(edge1, 'PUT', `/posts/${postId}/like`, { token: cy.token })).status).toBe(204);
    expect((await http(edge2, 'PUT', `/posts/${postId}/like`, { token: bob.token })).status).toBe(204);
    const c = await http(edge1, 'POST', `/posts/${postId}/comments`, { token: cy.token, body: { text: 'missed me?' } });
    expect(c.status).toBe(201);
    for (const [method, path] of [
      ['GET', '/notifications'],
      ['GET', '/notifications/unread-count'],
      ['POST', '/notifications/read'],
    ] as const) {
      const res = await http(edge1, method, path, {
        token: ann.token,
        body: method === 'POST' ? { upTo: before.items[0].id } : undefined,
      });
      expect(res, `${method} ${path}`).toMatchObject({ status: 503, body: problem(503, { service: 'notifications' }) });
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    await mesh.addReplica('notifications');
    // Bounded by the replica's boot plus one ack wait (10 s in tests): an event the server handed
    // to the stopped replica's last pull (it expires 1 s after it was sent) comes back after that.
    await expectEventually(async () => expect((await list(ann, '?limit=100')).body.unread).toBe(before.unread + 3), {
      timeoutMs: 30_000,
    });
    const after = (await list(ann, '?limit=100')).body;
    const fresh = after.items.slice(0, 3);
    expect(fresh.map((i: { type: string }) => i.type).sort()).toEqual(['comment', 'follow', 'like']);
    expect(fresh.find((i: { type: string }) => i.type === 'like')).toMatchObject({
      count: 2,
      actors: expect.arrayContaining([summary(cy), summary(bob)]),
    });
    expect(fresh.find((i: { type: string }) => i.type === 'follow').actor).toEqual(summary(cy));
    // Nothing twice, nothing older lost.
    expect(after.items.slice(3)).toEqual(before.items);
  });
});
