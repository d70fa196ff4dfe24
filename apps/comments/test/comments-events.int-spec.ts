// comments as a consumer of events.posts.deleted, against a private nats-server (JetStream),
// PostgreSQL and the built posts service as a process: a deleted post's comments go, a
// redelivered event changes nothing twice, a post deleted while comments had no replica loses
// its comments once comments is back, and a comment racing the delete cannot outlive it.
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
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
import type { NatsConnection } from '@nats-io/transport-node';
import { loadCommentsConfig } from '../src/comments.config.js';
import { startComments } from '../src/comments.app.js';

const alice = { id: '11111111-1111-4111-8111-111111111111', username: 'alice', displayName: 'Alice' };
const bob = { id: '22222222-2222-4222-8222-222222222222', username: 'bob', displayName: 'Bob' };

const schema = freshSchema('comments');
const postsSchema = freshSchema('posts');
let nats: NatsServerHandle;
let client: { nc: NatsConnection; mesh: MeshClient };
let comments: RunningService | undefined;
let env: Record<string, string>;

const startCommentsReplica = async () => {
  comments = await startComments(loadCommentsConfig({ ...env, COMMENTS_DB_SCHEMA: schema }), { handleSignals: false });
};

beforeAll(async () => {
  nats = await startNatsServer();
  client = await testClient(nats.url);
  env = { NATS_URL: nats.url, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'warn', EVENTS_RETRY_BACKOFF_MS: '50' };
  const posts = spawnApp('posts', { ...env, POSTS_DB_SCHEMA: postsSchema });
  await waitUntilJoined(client.nc, posts);
  await startCommentsReplica();
});
afterAll(async () => {
  await client?.nc.close();
  await comments?.stop();
  await stopAllApps();
  await nats?.stop();
  await dropSchemas(schema, postsSchema);
});

const newPost = async () => (await client.mesh.request(Subjects.posts.create, { author: alice, text: 'a post' })).id;
const comment = (postId: string, text = 'a comment') =>
  client.mesh.request(Subjects.comments.create, { postId, author: bob, text });
const commentRows = async (postId: string) =>
  Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".comment WHERE post_id = $1`, [postId]))[0].n);
const deletePost = (id: string) => client.mesh.request(Subjects.posts.delete, { id, requesterId: alice.id });
const listed = async (postId: string) =>
  (await client.mesh.request(Subjects.comments.list, { postId, limit: 10 })).items;

describe('comments reacting to events.posts.deleted', () => {
  it("removes a deleted post's comments, and only those", async () => {
    const doomed = await newPost();
    const kept = await newPost();
    for (let i = 0; i < 3; i++) await comment(doomed, `comment ${i}`);
    const survivor = await comment(kept, 'stays');
    await deletePost(doomed);
    await expectEventually(async () => expect(await listed(doomed)).toEqual([]));
    expect(await listed(kept)).toEqual([survivor]);
    // And no comment is added to it afterwards (posts answers not_found for it anyway).
    expect(await meshFailure(comment(doomed))).toMatchObject({ code: ErrorCodes.notFound });
  });

  it('changes nothing twice when the same event is delivered twice', async () => {
    const postId = await newPost();
    await comment(postId);
    await comment(postId);
    const other = await newPost();
    await comment(other);
    // The same fact twice, under two message ids (as if JetStream had redelivered it after an
    // ack was lost): the first removes the comments, the second finds nothing left to do.
    const event: PostDeletedEvent = {
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
      postId,
      authorId: alice.id,
      mediaIds: [],
    };
    const js = jetstream(client.nc);
    await js.publish(Events.posts.deleted, JSON.stringify(event), { msgID: `${event.eventId}-1` });
    await js.publish(Events.posts.deleted, JSON.stringify(event), { msgID: `${event.eventId}-2` });
    await expectEventually(async () =>
      expect(await consumerState(client.nc, EVENTS_STREAM, 'comments--events-posts-deleted')).toMatchObject({
        pending: 0,
        ackPending: 0,
      }),
    );
    expect(await commentRows(postId)).toBe(0);
    expect(await sql(`SELECT post_id FROM "${schema}".deleted_post WHERE post_id = $1`, [postId])).toEqual([
      { post_id: postId },
    ]);
    expect(await commentRows(other)).toBe(1);
  });

  it('catches up on a post deleted while comments had no replica', async () => {
    const postId = await newPost();
    await comment(postId);
    await comment(postId);
    await comments!.stop();
    comments = undefined;
    await deletePost(postId);
    // Nobody consumed it: the comments are still there, the event waits in the stream.
    await expectEventually(async () =>
      expect(await consumerState(client.nc, EVENTS_STREAM, 'comments--events-posts-deleted')).toMatchObject({
        pending: 1,
      }),
    );
    expect(await commentRows(postId)).toBe(2);
    const back = Date.now();
    await startCommentsReplica();
    await expectEventually(async () => expect(await commentRows(postId)).toBe(0), { timeoutMs: 5000 });
    expect(Date.now() - back).toBeLessThan(5000);
  });

  it('refuses a comment whose existence check raced the delete (the tombstone, under the post lock)', async () => {
    // posts still has this post; comments has already consumed its deletion (as when the delete
    // commits between posts' existence answer and the comment's insert).
    const postId = await newPost();
    const event: PostDeletedEvent = {
      eventId: randomUUID(),
      occurredAt: new Date().toISOString(),
      postId,
      authorId: alice.id,
      mediaIds: [],
    };
    await jetstream(client.nc).publish(Events.posts.deleted, JSON.stringify(event), { msgID: event.eventId });
    await expectEventually(async () =>
      expect(await sql(`SELECT 1 FROM "${schema}".deleted_post WHERE post_id = $1`, [postId])).toHaveLength(1),
    );
    expect(await client.mesh.request(Subjects.posts.get, { id: postId })).toMatchObject({ id: postId });
    expect(await meshFailure(comment(postId))).toEqual({
      code: ErrorCodes.notFound,
      message: 'no such post',
      service: 'comments',
    });
    expect(await commentRows(postId)).toBe(0);
  });

  it('publishes a comment with its excerpt and author, and its deletion by its author', async () => {
    const postId = await newPost();
    const c = await comment(postId, `  a long\n comment ${'x'.repeat(200)}`);
    await client.mesh.request(Subjects.comments.delete, { id: c.id, requesterId: bob.id });
    const ofPost = async () =>
      (await readStream(client.nc, EVENTS_STREAM, 'events.comments.')).filter((e) => e.data.postId === postId);
    await expectEventually(async () => expect(await ofPost()).toHaveLength(2));
    const [created, deleted] = await ofPost();
    expect(created).toMatchObject({
      subject: Events.comments.created,
      msgId: created.data.eventId,
      data: { commentId: c.id, postId, author: bob, excerpt: `a long comment ${'x'.repeat(85)}…` },
    });
    expect(deleted).toMatchObject({ subject: Events.comments.deleted, data: { commentId: c.id, postId, author: bob } });
  });
});
