// The real likes service, in this process, asking a real posts process over a private
// nats-server, both against PostgreSQL. Posts runs as a built app: no app imports another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Subjects } from '#contracts';
import { type MeshClient } from '#mesh';
import { type RunningService } from '#service';
import {
  dropSchemas,
  freshSchema,
  spawnApp,
  sql,
  startNatsServer,
  stopAllApps,
  testClient,
  TEST_DATABASE_URL,
  waitUntilJoined,
  type AppProcess,
  type NatsServerHandle,
  meshFailure,
  serviceInfo,
} from '#testing';
import { loadLikesConfig } from '../src/likes.config.js';
import { startLikes } from '../src/likes.app.js';

const alice = { id: '11111111-1111-4111-8111-111111111111', username: 'alice', displayName: 'Alice' };
const bob = { id: '22222222-2222-4222-8222-222222222222', username: 'bob', displayName: 'Bob B.' };
const carol = { id: '33333333-3333-4333-8333-333333333333', username: 'carol', displayName: 'Carol' };
const unknownPost = '99999999-9999-4999-8999-999999999999';

let nats: NatsServerHandle;
let posts: AppProcess;
let likes: RunningService;
let client: { nc: NatsConnection; mesh: MeshClient };
const likesSchema = freshSchema('likes');
const postsSchema = freshSchema('posts');

// Posts runs as a real process from dist/: `npm test` builds before it runs the suites.
beforeAll(async () => {
  nats = await startNatsServer();
  client = await testClient(nats.url);
  const base = { NATS_URL: nats.url, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'warn' };
  posts = spawnApp('posts', { ...base, POSTS_DB_SCHEMA: postsSchema });
  [likes] = await Promise.all([
    startLikes(loadLikesConfig({ ...base, LIKES_DB_SCHEMA: likesSchema }), { handleSignals: false }),
    waitUntilJoined(client.nc, posts),
  ]);
});

afterAll(async () => {
  await client?.nc.close();
  await likes?.stop();
  await stopAllApps();
  await nats?.stop();
  await dropSchemas(likesSchema, postsSchema);
});

const newPost = async (text: string) => (await client.mesh.request(Subjects.posts.create, { author: alice, text })).id;
const like = (postId: string, user: typeof alice) => client.mesh.request(Subjects.likes.like, { postId, user });
const unlike = (postId: string, userId: string) => client.mesh.request(Subjects.likes.unlike, { postId, userId });
const rows = (postId: string) =>
  sql<{ user_id: string; username: string; display_name: string }>(
    `SELECT user_id, username, display_name FROM "${likesSchema}"."like" WHERE post_id = $1 ORDER BY user_id`,
    [postId],
  );
const invalid = (errors: Array<{ field: string; message: string }>) => ({
  code: 'invalid',
  message: 'The request is not valid.',
  errors,
  service: 'likes',
});

describe('likes over NATS', () => {
  it('likes a post, storing the liker as a snapshot', async () => {
    const post = await newPost('like me');
    expect(await like(post, bob)).toEqual({ liked: true });
    expect(await rows(post)).toEqual([{ user_id: bob.id, username: 'bob', display_name: 'Bob B.' }]);
  });

  it('keeps one row when the same user likes twice, and when ten likes race', async () => {
    const twice = await newPost('twice');
    expect(await like(twice, bob)).toEqual({ liked: true });
    expect(await like(twice, bob)).toEqual({ liked: true });
    expect(await rows(twice)).toHaveLength(1);

    const raced = await newPost('raced');
    const replies = await Promise.all(Array.from({ length: 10 }, () => like(raced, carol)));
    expect(replies).toEqual(Array.from({ length: 10 }, () => ({ liked: true })));
    expect(await rows(raced)).toEqual([{ user_id: carol.id, username: 'carol', display_name: 'Carol' }]);
  });

  it('answers not_found for a post that does not exist, and stores nothing', async () => {
    expect(await meshFailure(like(unknownPost, bob))).toEqual({
      code: 'not_found',
      message: 'no such post',
      service: 'likes',
    });
    expect(await rows(unknownPost)).toEqual([]);
  });

  it('unlikes idempotently, also what was never liked', async () => {
    const post = await newPost('unlike me');
    await like(post, bob);
    await like(post, carol);
    expect(await unlike(post, bob.id)).toEqual({ liked: false });
    expect(await unlike(post, bob.id)).toEqual({ liked: false });
    expect(await unlike(unknownPost, bob.id)).toEqual({ liked: false });
    expect((await rows(post)).map((r) => r.user_id)).toEqual([carol.id]);
  });

  it('replays a keyed like or unlike from its key: the replay writes nothing', async () => {
    const post = await newPost('keyed');
    const likeKey = 'likes-like-key-1';
    const unlikeKey = 'likes-unlike-key-1';
    expect(
      await client.mesh.request(Subjects.likes.like, { postId: post, user: bob }, { idempotencyKey: likeKey }),
    ).toEqual({ liked: true });
    await unlike(post, bob.id);
    // Had the replay run again, bob's like would be back.
    expect(
      await client.mesh.request(Subjects.likes.like, { postId: post, user: bob }, { idempotencyKey: likeKey }),
    ).toEqual({ liked: true });
    expect(await rows(post)).toEqual([]);

    await like(post, carol);
    expect(
      await client.mesh.request(
        Subjects.likes.unlike,
        { postId: post, userId: carol.id },
        { idempotencyKey: unlikeKey },
      ),
    ).toEqual({ liked: false });
    await like(post, carol);
    expect(
      await client.mesh.request(
        Subjects.likes.unlike,
        { postId: post, userId: carol.id },
        { idempotencyKey: unlikeKey },
      ),
    ).toEqual({ liked: false });
    expect((await rows(post)).map((r) => r.user_id)).toEqual([carol.id]);

    const other = await meshFailure(
      client.mesh.request(Subjects.likes.like, { postId: unknownPost, user: bob }, { idempotencyKey: likeKey }),
    );
    expect(other.code).toBe('idempotency_mismatch');
  });

  it('lists likes newest first with the total count, paged with no gaps or repeats', async () => {
    const post = await newPost('popular');
    const tieLow = { id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', username: 'tie_low', displayName: 'Tie Low' };
    const tieHigh = { id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', username: 'tie_high', displayName: 'Tie High' };
    const likers = [alice, bob, tieLow, tieHigh, carol];
    for (const u of likers) await like(post, u);
    // Fixed times, two of them equal: the order within a millisecond must fall back to user_id.
    const at = (s: number) => `2026-01-01T00:00:0${s}.000Z`;
    const times = new Map([
      [alice.id, at(1)],
      [bob.id, at(2)],
      [tieLow.id, at(3)],
      [tieHigh.id, at(3)],
      [carol.id, at(4)],
    ]);
    for (const [userId, t] of times) {
      await sql(`UPDATE "${likesSchema}"."like" SET created_at = $1 WHERE post_id = $2 AND user_id = $3`, [
        t,
        post,
        userId,
      ]);
    }
    const item = (u: typeof alice) => ({ user: u, createdAt: times.get(u.id) });

    const first = await client.mesh.request(Subjects.likes.list, { postId: post, limit: 2 });
    expect(first).toEqual({ count: 5, items: [item(carol), item(tieHigh)], nextCursor: expect.any(String) });
    const second = await client.mesh.request(Subjects.likes.list, {
      postId: post,
      limit: 2,
      cursor: first.nextCursor!,
    });
    expect(second).toEqual({ count: 5, items: [item(tieLow), item(bob)], nextCursor: expect.any(String) });
    const third = await client.mesh.request(Subjects.likes.list, {
      postId: post,
      limit: 2,
      cursor: second.nextCursor!,
    });
    expect(third).toEqual({ count: 5, items: [item(alice)], nextCursor: null });

    expect(await client.mesh.request(Subjects.likes.list, { postId: unknownPost, limit: 10 })).toEqual({
      count: 0,
      items: [],
      nextCursor: null,
    });
  });

  it('summarises a page of posts in one request: every asked id, likedByMe only with a viewer', async () => {
    const liked = await newPost('liked by viewer');
    const lonely = await newPost('no likes');
    await like(liked, alice);
    await like(liked, bob);
    const postIds = [liked, lonely, unknownPost];

    expect(await client.mesh.request(Subjects.likes.summary, { postIds, viewerId: alice.id })).toEqual({
      summaries: {
        [liked]: { count: 2, likedByMe: true },
        [lonely]: { count: 0, likedByMe: false },
        [unknownPost]: { count: 0, likedByMe: false },
      },
    });
    expect(await client.mesh.request(Subjects.likes.summary, { postIds, viewerId: carol.id })).toEqual({
      summaries: {
        [liked]: { count: 2, likedByMe: false },
        [lonely]: { count: 0, likedByMe: false },
        [unknownPost]: { count: 0, likedByMe: false },
      },
    });
    expect(await client.mesh.request(Subjects.likes.summary, { postIds })).toEqual({
      summaries: {
        [liked]: { count: 2, likedByMe: null },
        [lonely]: { count: 0, likedByMe: null },
        [unknownPost]: { count: 0, likedByMe: null },
      },
    });
    expect(await client.mesh.request(Subjects.likes.summary, { postIds: [] })).toEqual({ summaries: {} });
  });

  it('answers each of many concurrent summaries for its own viewer (they share one query)', async () => {
    const liked = await newPost('liked by alice only');
    const both = await newPost('liked by alice and bob');
    await like(liked, alice);
    await like(both, alice);
    await like(both, bob);
    const postIds = [liked, both, liked, unknownPost]; // a repeated id too
    const viewers = [alice.id, bob.id, carol.id, undefined];
    // Sent together: the replica takes them in one turn and tallies them in one batch.
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const viewerId = viewers[i % viewers.length];
        return client.mesh.request(Subjects.likes.summary, viewerId ? { postIds, viewerId } : { postIds });
      }),
    );
    replies.forEach((reply, i) => {
      const viewer = viewers[i % viewers.length];
      const mine = (likers: string[]) => (viewer === undefined ? null : likers.includes(viewer));
      expect(reply.summaries).toEqual({
        [liked]: { count: 1, likedByMe: mine([alice.id]) },
        [both]: { count: 2, likedByMe: mine([alice.id, bob.id]) },
        [unknownPost]: { count: 0, likedByMe: mine([]) },
      });
    });
  });

  it('rejects invalid input field by field, and stores nothing', async () => {
    const post = await newPost('guarded');
    expect(
      await meshFailure(client.mesh.request(Subjects.likes.like, { postId: post, user: bob, weight: 10 } as never)),
    ).toEqual(invalid([{ field: 'weight', message: 'unknown field' }]));
    expect(
      await meshFailure(client.mesh.request(Subjects.likes.like, { postId: 'nope', user: { ...bob, id: 'nope' } })),
    ).toEqual(
      invalid([
        { field: 'postId', message: 'must be a UUID' },
        { field: 'user.id', message: 'must be a UUID' },
      ]),
    );
    expect(await rows(post)).toEqual([]);
    expect(await meshFailure(unlike(post, 'nope'))).toEqual(invalid([{ field: 'userId', message: 'must be a UUID' }]));
    const tooMany = Array.from({ length: 101 }, () => post);
    expect(await meshFailure(client.mesh.request(Subjects.likes.summary, { postIds: tooMany }))).toEqual(
      invalid([{ field: 'postIds', message: 'Too big: expected array to have <=100 items' }]),
    );
    expect(
      await meshFailure(
        client.mesh.request(Subjects.likes.list, { postId: post, limit: 5, cursor: 'bm90LWEtY3Vyc29y' }),
      ),
    ).toEqual(invalid([{ field: 'cursor', message: 'cursor is not one this API gave out' }]));
  });

  it('registers its four endpoints with the service API in queue group likes', async () => {
    const info = await serviceInfo(client.nc, 'likes');
    expect(info.name).toBe('likes');
    expect(info.endpoints).toEqual([
      ['likes.like', 'likes'],
      ['likes.list', 'likes'],
      ['likes.summary', 'likes'],
      ['likes.unlike', 'likes'],
    ]);
  });

  // Last: it stops posts for good.
  it('with posts down: a new like fails fast naming posts; what needs no post check still works', async () => {
    const post = await newPost('before the outage');
    await like(post, alice);
    posts.kill('SIGTERM');
    expect(await posts.exited).toBe(0);

    const started = performance.now();
    const err = await meshFailure(like(post, bob));
    const elapsed = performance.now() - started;
    expect(err).toEqual({
      code: 'unavailable',
      message: 'posts is unavailable, so the post cannot be checked',
      service: 'posts',
    });
    expect(elapsed).toBeLessThan(100);
    expect((await rows(post)).map((r) => r.user_id)).toEqual([alice.id]);

    // Already liked: answered from the table alone, no call to posts.
    expect(await like(post, alice)).toEqual({ liked: true });
    expect(await client.mesh.request(Subjects.likes.summary, { postIds: [post], viewerId: alice.id })).toEqual({
      summaries: { [post]: { count: 1, likedByMe: true } },
    });
    expect(await unlike(post, alice.id)).toEqual({ liked: false });
    expect(await client.mesh.request(Subjects.likes.list, { postId: post, limit: 5 })).toEqual({
      count: 0,
      items: [],
      nextCursor: null,
    });
  });
});
