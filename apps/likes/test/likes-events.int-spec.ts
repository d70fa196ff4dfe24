// likes as a consumer of events.posts.deleted, against a private nats-server (JetStream),
// PostgreSQL and the built posts service as a process: a deleted post's likes go, a redelivered
// event changes nothing twice, and a like racing the delete cannot outlive it.
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, Events, Subjects, type PostDeletedEvent } from '#contracts';
import { EVENTS_STREAM } from '#events';
import { type MeshClient } from '#mesh';
import { type RunningService } from '#service';
import {
  consumerState,
  dropSchemas,
  expectEventually,
  freshSchema,
  meshFailure,
  readStream,
  spawnApp,
  sql,
  startNatsServer,
  stopAllApps,
  testClient,
  TEST_DATABASE_URL,
  waitUntilJoined,
  type NatsServerHandle,
} from '#testing';
import { loadLikesConfig } from '../src/likes.config.js';
import { startLikes } from '../src/likes.app.js';

const alice = { id: '11111111-1111-4111-8111-111111111111', username: 'alice', displayName: 'Alice' };
const bob = { id: '22222222-2222-4222-8222-222222222222', username: 'bob', displayName: 'Bob' };
const carol = { id: '33333333-3333-4333-8333-333333333333', username: 'carol', displayName: 'Carol' };

let nats: NatsServerHandle;
let likes: RunningService;
let client: { nc: NatsConnection; mesh: MeshClient };
const likesSchema = freshSchema('likes');
const postsSchema = freshSchema('posts');

beforeAll(async () => {
  nats = await startNatsServer();
  client = await testClient(nats.url);
  const base = { NATS_URL: nats.url, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'warn' };
  const posts = spawnApp('posts', { ...base, POSTS_DB_SCHEMA: postsSchema });
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

const newPost = async () => (await client.mesh.request(Subjects.posts.create, { author: alice, text: 'a post' })).id;
const like = (postId: string, user: typeof alice) => client.mesh.request(Subjects.likes.like, { postId, user });
const likeRows = async (postId: string) =>
  Number(
    (await sql<{ n: string }>(`SELECT count(*) AS n FROM "${likesSchema}"."like" WHERE post_id = $1`, [postId]))[0].n,
  );
const deletedEvent = (postId: string): PostDeletedEvent => ({
  eventId: randomUUID(),
  occurredAt: new Date().toISOString(),
  postId,
  authorId: alice.id,
  mediaIds: [],
});

describe('likes reacting to events.posts.deleted', () => {
  it("removes a deleted post's likes, and only those", async () => {
    const doomed = await newPost();
    const kept = await newPost();
    await like(doomed, bob);
    await like(doomed, carol);
    await like(kept, bob);
    await client.mesh.request(Subjects.posts.delete, { id: doomed, requesterId: alice.id });
    await expectEventually(async () => expect(await likeRows(doomed)).toBe(0));
    expect(await client.mesh.request(Subjects.likes.summary, { postIds: [doomed, kept] })).toEqual({
      summaries: { [doomed]: { count: 0, likedByMe: null }, [kept]: { count: 1, likedByMe: null } },
    });
  });

  it('changes nothing twice when the same event is delivered twice', async () => {
    const postId = await newPost();
    await like(postId, bob);
    const event = deletedEvent(postId);
    const js = jetstream(client.nc);
    // Two message ids: JetStream's duplicate window lets both through, as a redelivery would be.
    await js.publish(Events.posts.deleted, JSON.stringify(event), { msgID: `${event.eventId}-1` });
    await js.publish(Events.posts.deleted, JSON.stringify(event), { msgID: `${event.eventId}-2` });
    await expectEventually(async () =>
      expect(await consumerState(client.nc, EVENTS_STREAM, 'likes--events-posts-deleted')).toMatchObject({
        pending: 0,
        ackPending: 0,
      }),
    );
    expect(await likeRows(postId)).toBe(0);
    expect(await sql(`SELECT post_id FROM "${likesSchema}".deleted_post WHERE post_id = $1`, [postId])).toEqual([
      { post_id: postId },
    ]);
  });

  it('refuses a like whose existence check raced the delete (the tombstone, under the post lock)', async () => {
    const postId = await newPost();
    const event = deletedEvent(postId);
    await jetstream(client.nc).publish(Events.posts.deleted, JSON.stringify(event), { msgID: event.eventId });
    await expectEventually(async () =>
      expect(await sql(`SELECT 1 FROM "${likesSchema}".deleted_post WHERE post_id = $1`, [postId])).toHaveLength(1),
    );
    // posts still has it; likes already knows it is gone.
    expect(await client.mesh.request(Subjects.posts.get, { id: postId })).toMatchObject({ id: postId });
    expect(await meshFailure(like(postId, bob))).toEqual({
      code: ErrorCodes.notFound,
      message: 'no such post',
      service: 'likes',
    });
    expect(await likeRows(postId)).toBe(0);
  });

  it('publishes each change of a like once, with a growing version; a repeat publishes nothing', async () => {
    const postId = await newPost();
    await like(postId, carol);
    await like(postId, carol);
    await client.mesh.request(Subjects.likes.unlike, { postId, userId: carol.id });
    await client.mesh.request(Subjects.likes.unlike, { postId, userId: carol.id });
    const ofPost = async () =>
      (await readStream(client.nc, EVENTS_STREAM, 'events.likes.')).filter((e) => e.data.postId === postId);
    await expectEventually(async () => expect(await ofPost()).toHaveLength(2));
    const [liked, unliked] = await ofPost();
    expect(liked).toMatchObject({
      subject: Events.likes.liked,
      msgId: liked.data.eventId,
      data: { postId, user: carol, version: expect.any(Number) },
    });
    expect(unliked).toMatchObject({ subject: Events.likes.unliked, data: { postId, user: carol } });
    expect(unliked.data.version).toBeGreaterThan(liked.data.version);
  });
});
