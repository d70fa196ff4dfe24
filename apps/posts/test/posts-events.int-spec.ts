// posts as a producer of domain events, against a private nats-server (JetStream) and
// PostgreSQL: every committed create and delete publishes its event once, refused and replayed
// writes publish nothing, and an event whose replica was killed between commit and publish is
// still published, once, by the next replica.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Events, Subjects } from '#contracts';
import { EVENTS_STREAM } from '#events';
import { type MeshClient } from '#mesh';
import { type RunningService } from '#service';
import {
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
import { loadPostsConfig } from '../src/posts.config.js';
import { startPosts } from '../src/posts.app.js';

const alice = { id: '11111111-1111-4111-8111-111111111111', username: 'alice', displayName: 'Alice' };
const bob = { id: '22222222-2222-4222-8222-222222222222', username: 'bob', displayName: 'Bob' };
const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let nats: NatsServerHandle;
let posts: RunningService | undefined;
let client: { nc: NatsConnection; mesh: MeshClient };
const schema = freshSchema('posts');
const env = { DATABASE_URL: TEST_DATABASE_URL, POSTS_DB_SCHEMA: schema, LOG_LEVEL: 'warn' };

beforeAll(async () => {
  nats = await startNatsServer();
  client = await testClient(nats.url);
});
afterAll(async () => {
  await client?.nc.close();
  await posts?.stop();
  await stopAllApps();
  await nats?.stop();
  await dropSchemas(schema);
});

const eventsOf = async (postId: string) =>
  (await readStream(client.nc, EVENTS_STREAM, 'events.posts.')).filter((e) => e.data.postId === postId);

describe('posts events', () => {
  it('publishes what a replica killed between commit and publish had committed: once, by the next one', async () => {
    // A replica whose relay is off stands for one killed right after its commit.
    const doomed = spawnApp('posts', { ...env, NATS_URL: nats.url, OUTBOX_RELAY_ENABLED: 'false' });
    await waitUntilJoined(client.nc, doomed);
    const post = await client.mesh.request(Subjects.posts.create, { author: alice, text: 'short-lived' });
    await client.mesh.request(Subjects.posts.delete, { id: post.id, requesterId: alice.id });
    doomed.kill('SIGKILL');
    await doomed.exited;
    expect(await eventsOf(post.id)).toEqual([]);
    const unpublished = await sql(
      `SELECT subject FROM "${schema}".outbox WHERE published_at IS NULL ORDER BY created_at`,
    );
    expect(unpublished).toEqual([{ subject: Events.posts.created }, { subject: Events.posts.deleted }]);

    const started = Date.now();
    posts = await startPosts(loadPostsConfig({ ...env, NATS_URL: nats.url }), { handleSignals: false });
    await expectEventually(async () => expect(await eventsOf(post.id)).toHaveLength(2));
    expect(Date.now() - started).toBeLessThan(5000);
    const [created, deleted] = await eventsOf(post.id);
    expect(created).toMatchObject({ subject: Events.posts.created, msgId: created.data.eventId });
    expect(deleted).toMatchObject({ subject: Events.posts.deleted, msgId: deleted.data.eventId });
    expect(deleted.data).toEqual({
      eventId: expect.stringMatching(uuid),
      occurredAt: expect.stringMatching(iso),
      postId: post.id,
      authorId: alice.id,
      mediaIds: [],
    });
    // The relay marks its rows in the transaction that commits after JetStream's ack: the stream
    // can show an event a moment before its row is marked (seen on a loaded machine).
    await expectEventually(async () =>
      expect(await sql(`SELECT 1 FROM "${schema}".outbox WHERE published_at IS NULL`)).toEqual([]),
    );
  });

  it('publishes a created and a deleted event per post, with its media ids', async () => {
    // posts does not check media ids itself (the edge asks media first).
    const mediaIds = [randomUUID(), randomUUID()];
    const post = await client.mesh.request(Subjects.posts.create, { author: bob, text: 'with media', mediaIds });
    await expectEventually(async () => expect(await eventsOf(post.id)).toHaveLength(1));
    await client.mesh.request(Subjects.posts.delete, { id: post.id, requesterId: bob.id });
    await expectEventually(async () => expect(await eventsOf(post.id)).toHaveLength(2));
    const [created, deleted] = await eventsOf(post.id);
    expect(created.data).toMatchObject({ postId: post.id, authorId: bob.id, mediaIds });
    expect(deleted.data).toMatchObject({ postId: post.id, authorId: bob.id, mediaIds });
    expect(created.data.eventId).not.toBe(deleted.data.eventId);
  });

  it('publishes nothing for a refused delete, nor for a replayed create or delete', async () => {
    const idempotencyKey = randomUUID();
    const request = { author: alice, text: 'keyed' };
    const created = await client.mesh.request(Subjects.posts.create, request, { idempotencyKey });
    const again = await client.mesh.request(Subjects.posts.create, request, { idempotencyKey });
    expect(again).toEqual(created);
    expect(
      await meshFailure(client.mesh.request(Subjects.posts.delete, { id: created.id, requesterId: bob.id })),
    ).toMatchObject({ code: 'forbidden' });
    const delKey = randomUUID();
    for (let i = 0; i < 3; i++) {
      await client.mesh.request(
        Subjects.posts.delete,
        { id: created.id, requesterId: alice.id },
        { idempotencyKey: delKey },
      );
    }
    // Whatever was committed is published within a poll or two; give it that, then count.
    await expectEventually(async () => expect(await eventsOf(created.id)).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 700));
    expect((await eventsOf(created.id)).map((e) => e.subject)).toEqual([Events.posts.created, Events.posts.deleted]);
  });
});
