// media as a consumer of posts' events, against a private nats-server (JetStream) and
// PostgreSQL: it learns which posts use which uploads from events.posts.created and releases a
// deleted post's references on events.posts.deleted — idempotently, and whatever order the two
// events arrive in (they have separate consumers).
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Events, type EventSubject, type PostCreatedEvent } from '#contracts';
import { EVENTS_STREAM } from '#events';
import { type RunningService } from '#service';
import {
  consumerState,
  dropSchemas,
  expectEventually,
  freshSchema,
  provisionNats,
  sql,
  startNatsServer,
  testClient,
  TEST_DATABASE_URL,
  type NatsServerHandle,
} from '#testing';
import { loadMediaConfig } from '../src/media.config.js';
import { startMedia } from '../src/media.app.js';

const schema = freshSchema('media');
let nats: NatsServerHandle;
let media: RunningService;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  const bucket = `media_${randomUUID().slice(0, 8)}`;
  // A bucket of another name than the default: the provisioner makes it (as MEDIA_BUCKET says).
  await provisionNats({ servers: nats.url, mediaBucket: bucket });
  nc = (await testClient(nats.url)).nc;
  media = await startMedia(
    loadMediaConfig({
      NATS_URL: nats.url,
      DATABASE_URL: TEST_DATABASE_URL,
      MEDIA_DB_SCHEMA: schema,
      MEDIA_BUCKET: bucket,
      LOG_LEVEL: 'warn',
    }),
    { handleSignals: false },
  );
});
afterAll(async () => {
  await nc?.close();
  await media?.stop();
  await nats?.stop();
  await dropSchemas(schema);
});

const fact = (postId: string, mediaIds: string[]): PostCreatedEvent => ({
  eventId: randomUUID(),
  occurredAt: new Date().toISOString(),
  postId,
  authorId: randomUUID(),
  mediaIds,
});
const publish = (subject: EventSubject, event: PostCreatedEvent, msgID = event.eventId) =>
  jetstream(nc).publish(subject, JSON.stringify(event), { msgID });
/** Both of media's consumers have handled everything published so far. */
const settled = () =>
  expectEventually(async () => {
    for (const durable of ['media--events-posts-created', 'media--events-posts-deleted'])
      expect(await consumerState(nc, EVENTS_STREAM, durable)).toMatchObject({ pending: 0, ackPending: 0 });
  });
const row = async (postId: string) =>
  (
    await sql<{ media_ids: string[]; released: boolean }>(
      `SELECT media_ids, released_at IS NOT NULL AS released FROM "${schema}".post_media WHERE post_id = $1`,
      [postId],
    )
  ).map((r) => ({ mediaIds: r.media_ids, released: r.released }));

describe('media references from posts events', () => {
  it('records which uploads a post uses, then releases them when the post is deleted', async () => {
    const postId = randomUUID();
    const mediaIds = [randomUUID(), randomUUID()];
    await publish(Events.posts.created, fact(postId, mediaIds));
    await expectEventually(async () => expect(await row(postId)).toEqual([{ mediaIds, released: false }]));
    await publish(Events.posts.deleted, fact(postId, mediaIds));
    await expectEventually(async () => expect(await row(postId)).toEqual([{ mediaIds, released: true }]));
  });

  it('changes nothing twice when the same events are delivered twice', async () => {
    const postId = randomUUID();
    const mediaIds = [randomUUID()];
    const created = fact(postId, mediaIds);
    const deleted = fact(postId, mediaIds);
    await publish(Events.posts.created, created, `${created.eventId}-1`);
    await publish(Events.posts.created, created, `${created.eventId}-2`);
    await settled();
    expect(await row(postId)).toEqual([{ mediaIds, released: false }]);
    await publish(Events.posts.deleted, deleted, `${deleted.eventId}-1`);
    await settled();
    const [{ released_at: first }] = await sql<{ released_at: Date }>(
      `SELECT released_at FROM "${schema}".post_media WHERE post_id = $1`,
      [postId],
    );
    await publish(Events.posts.deleted, deleted, `${deleted.eventId}-2`);
    await settled();
    const [{ released_at: second }] = await sql<{ released_at: Date }>(
      `SELECT released_at FROM "${schema}".post_media WHERE post_id = $1`,
      [postId],
    );
    expect(second).toEqual(first);
  });

  it('keeps a post released when its deletion arrives before its creation', async () => {
    const postId = randomUUID();
    const mediaIds = [randomUUID()];
    await publish(Events.posts.deleted, fact(postId, mediaIds));
    await settled();
    await publish(Events.posts.created, fact(postId, mediaIds));
    await settled();
    expect(await row(postId)).toEqual([{ mediaIds, released: true }]);
  });

  it('remembers nothing for a text-only post', async () => {
    const postId = randomUUID();
    await publish(Events.posts.created, fact(postId, []));
    await publish(Events.posts.deleted, fact(postId, []));
    await settled();
    expect(await row(postId)).toEqual([]);
  });
});
