// Mentions across two real services against a private nats-server (JetStream) and PostgreSQL:
// identity (a real process) announces users (events.identity.users.created), posts (in this
// process) keeps its own projection of them and resolves a post's `@username`s against it alone
// — also once identity is stopped by a real SIGTERM.
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCodes, Events, MAX_MENTIONS, Subjects, type AuthorSummary, type PostRecord } from '#contracts';
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
  tempKeys,
  testClient,
  TEST_DATABASE_URL,
  waitUntilJoined,
  type AppProcess,
  type NatsServerHandle,
} from '#testing';
import { loadPostsConfig } from '../src/posts.config.js';
import { startPosts } from '../src/posts.app.js';

let nats: NatsServerHandle;
let identity: AppProcess;
let posts: RunningService;
let client: { nc: NatsConnection; mesh: MeshClient };
const identitySchema = freshSchema('identity');
const postsSchema = freshSchema('posts');
const keys = tempKeys();
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

beforeAll(async () => {
  nats = await startNatsServer();
  client = await testClient(nats.url, 10_000);
  identity = spawnApp('identity', {
    NATS_URL: nats.url,
    DATABASE_URL: TEST_DATABASE_URL,
    IDENTITY_DB_SCHEMA: identitySchema,
    JWT_PRIVATE_KEY_FILE: keys.privateKeyFile,
    LOG_LEVEL: 'warn',
  });
  await waitUntilJoined(client.nc, identity);
  posts = await startPosts(
    loadPostsConfig({
      NATS_URL: nats.url,
      DATABASE_URL: TEST_DATABASE_URL,
      POSTS_DB_SCHEMA: postsSchema,
      LOG_LEVEL: 'warn',
    }),
    { handleSignals: false },
  );
});
afterAll(async () => {
  await client?.nc.close();
  await posts?.stop();
  await stopAllApps();
  await nats?.stop();
  await dropSchemas(identitySchema, postsSchema);
});

const postCreated = async (postId: string) =>
  (await readStream(client.nc, EVENTS_STREAM, Events.posts.created)).find((e) => e.data.postId === postId)?.data;
/** posts has handled every users.created published so far. */
const projected = () =>
  expectEventually(async () =>
    expect(await consumerState(client.nc, EVENTS_STREAM, 'posts--events-identity-users-created')).toMatchObject({
      pending: 0,
      ackPending: 0,
    }),
  );
async function signup(username: string): Promise<AuthorSummary> {
  const { user } = await client.mesh.request(Subjects.identity.signup, { username, password: 'correct horse battery' });
  return { id: user.id, username: user.username, displayName: user.displayName };
}
const write = (author: AuthorSummary, text: string) => client.mesh.request(Subjects.posts.create, { author, text });
const mention = (u: AuthorSummary) => ({ id: u.id, username: u.username });

describe('posts resolves mentions from its own projection', () => {
  let author: AuthorSummary;
  let bea: AuthorSummary;
  let cal: AuthorSummary;

  beforeAll(async () => {
    [author, bea, cal] = await Promise.all(['writer_m', 'bea_m', 'cal_m'].map(signup));
    // Known to posts only once identity's events have reached it.
    await expectEventually(async () =>
      expect(await sql(`SELECT username FROM "${postsSchema}".known_user ORDER BY username`)).toEqual([
        { username: 'bea_m' },
        { username: 'cal_m' },
        { username: 'writer_m' },
      ]),
    );
  });

  it('keeps existing users, deduplicated in order of first mention; unknown names and other cases are plain text', async () => {
    const text = 'hi @cal_m and @bea_m, @nobody_m @Bea_m me@bea_m.com @cal_m again';
    const created = await write(author, text);
    const mentions = [mention(cal), mention(bea)];
    expect(created).toEqual({
      id: expect.stringMatching(uuid),
      author,
      text,
      mediaIds: [],
      mentions,
      createdAt: expect.stringMatching(iso),
    });
    expect(await client.mesh.request(Subjects.posts.get, { id: created.id })).toEqual(created);
    await expectEventually(async () => expect(await postCreated(created.id)).toBeDefined());
    expect(await postCreated(created.id)).toEqual({
      eventId: expect.stringMatching(uuid),
      occurredAt: expect.stringMatching(iso),
      postId: created.id,
      authorId: author.id,
      mediaIds: [],
      createdAt: created.createdAt,
      mentions,
      author: { id: author.id, username: author.username, displayName: author.displayName },
      excerpt: created.text,
    });
  });

  it('keeps the author mentioning themselves, and a post without mentions has none', async () => {
    const self = await write(author, 'note to @writer_m');
    expect(self.mentions).toEqual([mention(author)]);
    const plain = await write(author, 'nobody here, not even @');
    expect(plain.mentions).toEqual([]);
    await expectEventually(async () => expect(await postCreated(plain.id)).toBeDefined());
    expect((await postCreated(plain.id))?.mentions).toEqual([]);
  });

  it(`keeps the first ${MAX_MENTIONS} distinct users a post mentions`, async () => {
    const many = Array.from({ length: MAX_MENTIONS + 2 }, (_, i) => ({ id: randomUUID(), username: `many_${i}` }));
    // Announced as identity announces them (the projection does not care who published).
    for (const user of many) {
      const eventId = randomUUID();
      await jetstream(client.nc).publish(
        Events.identity.usersCreated,
        JSON.stringify({
          eventId,
          occurredAt: new Date().toISOString(),
          user: { ...user, displayName: user.username },
        }),
        { msgID: eventId },
      );
    }
    await projected();
    // An unknown name in front does not use up the cap.
    const text = `@ghost_m ${many.map((u) => `@${u.username}`).join(' ')}`;
    const created = await write(author, text);
    expect(created.mentions).toEqual(many.slice(0, MAX_MENTIONS));
  });

  it('applies a redelivered users.created once', async () => {
    const count = async () =>
      (await sql(`SELECT id FROM "${postsSchema}".known_user WHERE username = $1`, [bea.username])).length;
    expect(await count()).toBe(1);
    const eventId = randomUUID();
    await jetstream(client.nc).publish(
      Events.identity.usersCreated,
      JSON.stringify({ eventId, occurredAt: new Date().toISOString(), user: bea }),
      { msgID: eventId },
    );
    await projected();
    expect(await count()).toBe(1);
  });

  it('lists the posts that mention a user, newest first, in keyset pages', async () => {
    const dee = await signup('dee_m');
    await projected();
    const written: PostRecord[] = [];
    for (let i = 0; i < 3; i++) written.push(await write(author, `${i} for @dee_m`));
    await write(author, 'not for dee_m');
    const first = await client.mesh.request(Subjects.posts.list, { mentioning: dee.id, limit: 2 });
    expect(first).toEqual({ items: [written[2], written[1]], nextCursor: expect.any(String) });
    const second = await client.mesh.request(Subjects.posts.list, {
      mentioning: dee.id,
      limit: 2,
      cursor: first.nextCursor!,
    });
    expect(second).toEqual({ items: [written[0]], nextCursor: null });
    // A deleted post is no longer listed.
    await client.mesh.request(Subjects.posts.delete, { id: written[2].id, requesterId: author.id });
    expect((await client.mesh.request(Subjects.posts.list, { mentioning: dee.id, limit: 10 })).items).toEqual([
      written[1],
      written[0],
    ]);
    const both = await meshFailure(
      client.mesh.request(Subjects.posts.list, { mentioning: dee.id, author: 'writer_m', limit: 10 }),
    );
    expect(both).toMatchObject({
      code: ErrorCodes.invalid,
      errors: [{ field: 'mentioning', message: 'mentioning excludes author and authorIds' }],
    });
  });

  it('resolves mentions while identity is stopped: no call to identity per post', async () => {
    identity.kill('SIGTERM');
    await identity.exited;
    const created = await write(author, 'still @bea_m and @cal_m');
    expect(created.mentions).toEqual([mention(bea), mention(cal)]);
  });
});
