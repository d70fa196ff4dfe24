// feed as a consumer of posts' and graph's events, in this process, against a private
// nats-server (JetStream) and PostgreSQL. Events are published as their producers publish them;
// the feeds are read over feed.home. Covers fan-out (batched), back-fill on follow, removal on
// unfollow and delete, trimming, out-of-order and redelivered events, a feed built on first read,
// and mentions (a post in every mentioned user's feed, kept there through an unfollow).
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Events, Subjects, type AuthorSummary, type EventSubject } from '#contracts';
import { EVENTS_STREAM } from '#events';
import { type MeshClient } from '#mesh';
import { type RunningService } from '#service';
import {
  consumerState,
  dropSchemas,
  expectEventually,
  freshSchema,
  sql,
  startNatsServer,
  testClient,
  TEST_DATABASE_URL,
  type NatsServerHandle,
} from '#testing';
import { loadFeedConfig } from '../src/feed.config.js';
import { startFeed } from '../src/feed.app.js';

let nats: NatsServerHandle;
let feed: RunningService;
let client: { nc: NatsConnection; mesh: MeshClient };
const schema = freshSchema('feed');
const MAX_ITEMS = 20;
/** Sizes are written (and feeds trimmed) this often, after the commits that changed them. */
const SIZE_FLUSH_MS = 20;

beforeAll(async () => {
  nats = await startNatsServer();
  client = await testClient(nats.url);
  const env = {
    NATS_URL: nats.url,
    DATABASE_URL: TEST_DATABASE_URL,
    FEED_DB_SCHEMA: schema,
    LOG_LEVEL: 'warn',
    // Small, so that a test sees several batches and a trim.
    FEED_FANOUT_BATCH: '3',
    FEED_MAX_ITEMS: String(MAX_ITEMS),
    FEED_SIZE_FLUSH_MS: String(SIZE_FLUSH_MS),
  };
  feed = await startFeed(loadFeedConfig(env), { handleSignals: false });
});
afterAll(async () => {
  await client?.nc.close();
  await feed?.stop();
  await nats?.stop();
  await dropSchemas(schema);
});

let n = 0;
const user = (name: string): AuthorSummary => ({ id: randomUUID(), username: `${name}_${++n}`, displayName: name });
let version = 0;
let clock = Date.parse('2026-01-01T00:00:00.000Z');

async function publish<F extends Record<string, unknown>>(
  subject: EventSubject,
  facts: F,
  eventId: string = randomUUID(),
) {
  const event = { eventId, occurredAt: new Date().toISOString(), ...facts };
  await jetstream(client.nc).publish(subject, JSON.stringify(event), { msgID: `${eventId}-${randomUUID()}` });
  return event;
}
/** A post by `author` (mentioning `mentions`, if any), one millisecond after the previous one. */
async function post(author: AuthorSummary, mentions?: AuthorSummary[], postId: string = randomUUID()): Promise<string> {
  clock += 1;
  await publish(Events.posts.created, {
    postId,
    authorId: author.id,
    mediaIds: [],
    createdAt: new Date(clock).toISOString(),
    ...(mentions ? { mentions: mentions.map((m) => ({ id: m.id, username: m.username })) } : {}),
  });
  return postId;
}
const follow = (follower: AuthorSummary, followee: AuthorSummary, v = ++version) =>
  publish(Events.graph.followed, { follower, followee, version: v });
const unfollow = (follower: AuthorSummary, followee: AuthorSummary, v = ++version) =>
  publish(Events.graph.unfollowed, { follower, followee, version: v });
const remove = (postId: string, author: AuthorSummary) =>
  publish(Events.posts.deleted, { postId, authorId: author.id, mediaIds: [] });

const home = (u: AuthorSummary, limit = 100, cursor?: string) =>
  client.mesh.request(Subjects.feed.home, { userId: u.id, limit, cursor });
const ids = async (u: AuthorSummary) => (await home(u)).items.map((i) => i.postId);

/** Every consumer has handled everything published so far. */
async function settled(): Promise<void> {
  await expectEventually(async () => {
    for (const s of ['posts-created', 'posts-deleted', 'graph-followed', 'graph-unfollowed']) {
      expect(await consumerState(client.nc, EVENTS_STREAM, `feed--events-${s}`)).toMatchObject({
        pending: 0,
        ackPending: 0,
      });
    }
  });
}

const sizeOf = async (u: AuthorSummary) =>
  (await sql<{ size: number }>(`SELECT size FROM "${schema}".feed_size WHERE user_id = $1`, [u.id]))[0]?.size;
/** `u`'s feed size, once the sizes counted meanwhile are written. */
const sized = (u: AuthorSummary, size: number) => expectEventually(async () => expect(await sizeOf(u)).toBe(size));

describe('feed built from events', () => {
  it("puts a post into its author's and every follower's feed, in batches, newest first", async () => {
    const star = user('star');
    const fans = Array.from({ length: 7 }, (_, i) => user(`fan${i}`));
    for (const f of fans) await follow(f, star);
    await settled();
    const first = await post(star);
    const second = await post(star);
    await settled();
    for (const u of [star, ...fans]) expect(await ids(u)).toEqual([second, first]);
    const page = await home(fans[0], 1);
    expect(page).toEqual({
      items: [{ postId: second, createdAt: expect.any(String), authorFollowed: true }],
      nextCursor: expect.any(String),
    });
    expect(await home(fans[0], 1, page.nextCursor!)).toEqual({
      items: [{ postId: first, createdAt: expect.any(String), authorFollowed: true }],
      nextCursor: null,
    });
  });

  it("gives every new follower each of an author's posts once while they follow and it posts at the same time", async () => {
    // Follows of one author are applied side by side (a shared author lock), posts one at a time
    // against them: each post reaches a follower by the fan-out or by the back-fill, never both
    // twice and never neither.
    const star = user('busy');
    const fans = Array.from({ length: 60 }, (_, i) => user(`crowd${i}`));
    const posts: string[] = [];
    await Promise.all([
      ...fans.map((f) => follow(f, star)),
      (async () => {
        for (let i = 0; i < 5; i++) posts.push(await post(star));
      })(),
    ]);
    await settled();
    for (const f of fans) expect(await ids(f)).toEqual([...posts].reverse());
    expect(
      await sql(`SELECT count(*)::int AS n FROM "${schema}".follow_edge WHERE author_id = $1 AND following`, [star.id]),
    ).toEqual([{ n: fans.length }]);
  });

  it('ends each feed in its follow state when follows, unfollows and posts of one author race', async () => {
    const star = user('racer');
    const leaving = Array.from({ length: 20 }, (_, i) => user(`leaver${i}`));
    const returning = Array.from({ length: 20 }, (_, i) => user(`returner${i}`));
    for (const f of [...leaving, ...returning]) await follow(f, star);
    await settled();
    const posts: string[] = [];
    await Promise.all([
      ...leaving.map((f) => unfollow(f, star)),
      ...returning.map(async (f) => {
        await unfollow(f, star);
        await follow(f, star);
      }),
      (async () => {
        for (let i = 0; i < 5; i++) posts.push(await post(star));
      })(),
    ]);
    await settled();
    for (const f of leaving) expect(await ids(f)).toEqual([]);
    for (const f of returning) expect(await ids(f)).toEqual([...posts].reverse());
  });

  it('fans out posts of many authors to the same followers at once without deadlocking', async () => {
    const authors = Array.from({ length: 8 }, (_, i) => user(`crowded${i}`));
    const fans = Array.from({ length: 30 }, (_, i) => user(`overlap${i}`));
    for (const a of authors) for (const f of fans) await follow(f, a);
    await settled();
    const deadlocks = async () =>
      Number(
        (await sql<{ n: string }>(`SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()`))[0]
          .n,
      );
    // Backends publish their statistics at most once a second.
    await new Promise((r) => setTimeout(r, 1500));
    const before = await deadlocks();
    const posts = await Promise.all(authors.flatMap((a) => [post(a), post(a), post(a)]));
    await settled();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await deadlocks()).toBe(before);
    for (const f of fans.slice(0, 3)) expect((await ids(f)).sort()).toEqual([...posts].sort());
  });

  it("back-fills a new followee's recent posts, and an unfollow takes them out again", async () => {
    const [ana, bo] = [user('ana'), user('bo')];
    const old = [await post(bo), await post(bo)];
    await settled();
    await follow(ana, bo);
    await settled();
    expect(await ids(ana)).toEqual([...old].reverse());
    const mine = await post(ana);
    await unfollow(ana, bo);
    await settled();
    expect(await ids(ana)).toEqual([mine]);
  });

  it('ends in the latest state whatever order a follow and its unfollow are handled in', async () => {
    const [cy, di] = [user('cy'), user('di')];
    const p = await post(di);
    await settled();
    // The unfollow (version 2) is handled before the follow (version 1) it undoes.
    const v1 = ++version;
    const v2 = ++version;
    await unfollow(cy, di, v2);
    await settled();
    await follow(cy, di, v1);
    await settled();
    expect(await ids(cy)).toEqual([]);
    expect(await sql(`SELECT following FROM "${schema}".follow_edge WHERE follower_id = $1`, [cy.id])).toEqual([
      { following: false },
    ]);
    await follow(cy, di);
    await settled();
    expect(await ids(cy)).toEqual([p]);
  });

  it('takes a deleted post out of every feed; its created event handled late puts nothing back', async () => {
    const [ed, fay] = [user('ed'), user('fay')];
    await follow(fay, ed);
    await settled();
    const gone = await post(ed);
    await settled();
    expect(await ids(fay)).toEqual([gone]);
    await remove(gone, ed);
    await settled();
    expect(await ids(fay)).toEqual([]);
    expect(await ids(ed)).toEqual([]);

    const never = randomUUID();
    await remove(never, ed);
    await settled();
    await publish(Events.posts.created, {
      postId: never,
      authorId: ed.id,
      mediaIds: [],
      createdAt: new Date().toISOString(),
    });
    await settled();
    expect(await ids(fay)).toEqual([]);
  });

  it('changes nothing when the same events are delivered twice', async () => {
    const [gil, hal] = [user('gil'), user('hal')];
    const f = await follow(gil, hal);
    await settled();
    const p = await post(hal);
    await settled();
    await sized(gil, 1);
    // Same events again, under new message ids (as a redelivery would be).
    await publish(Events.graph.followed, { follower: gil, followee: hal, version: f.version }, f.eventId);
    clock += 1;
    await publish(Events.posts.created, {
      postId: p,
      authorId: hal.id,
      mediaIds: [],
      createdAt: new Date(clock).toISOString(),
    });
    await settled();
    expect(await ids(gil)).toEqual([p]);
    await new Promise((r) => setTimeout(r, 10 * SIZE_FLUSH_MS)); // any count the redelivery made is written
    expect(await sizeOf(gil)).toBe(1);
  });

  it(`keeps the newest ${MAX_ITEMS} posts of a feed (trimmed a little past it)`, async () => {
    const [ivy, jo] = [user('ivy'), user('jo')];
    await follow(ivy, jo);
    const posts: string[] = [];
    for (let i = 0; i < MAX_ITEMS + 60; i++) posts.push(await post(jo));
    await settled();
    // Trimmed when the sizes are next written.
    await expectEventually(async () => expect((await ids(ivy)).length).toBeLessThanOrEqual(MAX_ITEMS + 50));
    const kept = await ids(ivy);
    expect(kept.length).toBeGreaterThanOrEqual(MAX_ITEMS);
    expect(kept).toEqual(posts.slice(-kept.length).reverse());
    await sized(ivy, kept.length);
  });

  it('builds a missing feed on first read from what feed knows', async () => {
    const [kay, lu] = [user('kay'), user('lu')];
    await follow(kay, lu);
    const p = await post(lu);
    await settled();
    await sql(`DELETE FROM "${schema}".feed_item WHERE user_id = $1`, [kay.id]);
    await sql(`DELETE FROM "${schema}".feed_size WHERE user_id = $1`, [kay.id]);
    expect(await ids(kay)).toEqual([p]);
  });
});

describe('mentions', () => {
  it("puts a post into every mentioned user's feed, following its author or not, once each", async () => {
    const [ma, fan, stranger] = [user('ma'), user('mfan'), user('mstranger')];
    await follow(fan, ma);
    await settled();
    // The follower is mentioned too, and the author mentions themselves: each feed gets it once.
    const p = await post(ma, [stranger, fan, ma]);
    await settled();
    for (const u of [ma, fan, stranger]) {
      expect(await ids(u)).toEqual([p]);
      await sized(u, 1);
    }
    // A post that mentions nobody still reaches only the author and followers.
    const plain = await post(ma, []);
    await settled();
    expect(await ids(stranger)).toEqual([p]);
    expect(await ids(fan)).toEqual([plain, p]);
    // Each item says whether its reader follows the author: the edge stitches followedByMe from it.
    const followed = async (u: AuthorSummary) => (await home(u)).items.map((i) => i.authorFollowed);
    expect(await followed(fan)).toEqual([true, true]);
    expect(await followed(stranger)).toEqual([false]);
    expect(await followed(ma)).toEqual([false, false]);
  });

  it('keeps a post that mentions the follower when they unfollow its author; the rest go', async () => {
    const [nia, oz] = [user('nia'), user('oz')];
    await follow(oz, nia);
    await settled();
    const plain = await post(nia);
    const mentioning = await post(nia, [oz]);
    await settled();
    expect(await ids(oz)).toEqual([mentioning, plain]);
    await unfollow(oz, nia);
    await settled();
    expect(await ids(oz)).toEqual([mentioning]);
    await sized(oz, 1);
    // Following again back-fills the others; unfollowing again still keeps the mention.
    await follow(oz, nia);
    await settled();
    expect(await ids(oz)).toEqual([mentioning, plain]);
    await unfollow(oz, nia);
    await settled();
    expect(await ids(oz)).toEqual([mentioning]);
  });

  it('takes a deleted post out of the feeds of those it mentions, and a late created event puts nothing back', async () => {
    const [pia, quin] = [user('pia'), user('quin')];
    const gone = await post(pia, [quin]);
    await settled();
    expect(await ids(quin)).toEqual([gone]);
    await remove(gone, pia);
    await settled();
    expect(await ids(quin)).toEqual([]);
    await sized(quin, 0);
    expect(await sql(`SELECT 1 FROM "${schema}".mention WHERE post_id = $1`, [gone])).toEqual([]);

    const never = randomUUID();
    await remove(never, pia);
    await settled();
    await post(pia, [quin], never);
    await settled();
    expect(await ids(quin)).toEqual([]);
    expect(await sql(`SELECT 1 FROM "${schema}".mention WHERE post_id = $1`, [never])).toEqual([]);
  });

  it('changes nothing when a mentioning post is delivered twice', async () => {
    const [ray, sue] = [user('ray'), user('sue')];
    const p = await post(ray, [sue]);
    await settled();
    const before = await sql(`SELECT * FROM "${schema}".mention WHERE user_id = $1`, [sue.id]);
    expect(before).toHaveLength(1);
    await post(ray, [sue], p);
    await settled();
    expect(await ids(sue)).toEqual([p]);
    await sized(sue, 1);
    expect(await sql(`SELECT * FROM "${schema}".mention WHERE user_id = $1`, [sue.id])).toEqual(before);
  });

  it(`keeps each user's newest ${MAX_ITEMS} mentions, like their feed`, async () => {
    const [tam, uma] = [user('tam'), user('uma')];
    const posts: string[] = [];
    for (let i = 0; i < MAX_ITEMS + 30; i++) posts.push(await post(tam, [uma]));
    await settled();
    const kept = await sql<{ post_id: string }>(
      `SELECT post_id FROM "${schema}".mention WHERE user_id = $1 ORDER BY created_at DESC`,
      [uma.id],
    );
    // Posts recorded side by side (EVENTS_CONCURRENCY, 16) each trim what they see: the newest
    // are all kept, and at most a few older ones stay beside them.
    expect(kept.map((r) => r.post_id)).toEqual(expect.arrayContaining(posts.slice(-MAX_ITEMS)));
    expect(kept.length).toBeLessThanOrEqual(MAX_ITEMS + 16);
    expect((await ids(uma)).slice(0, MAX_ITEMS)).toEqual(posts.slice(-MAX_ITEMS).reverse());
  });

  it('builds a missing feed on first read with the posts that mention the user', async () => {
    const [vic, wes, xan] = [user('vic'), user('wes'), user('xan')];
    await follow(vic, wes);
    const followed = await post(wes);
    const mentioning = await post(xan, [vic]);
    const own = await post(vic);
    await settled();
    await sql(`DELETE FROM "${schema}".feed_item WHERE user_id = $1`, [vic.id]);
    await sql(`DELETE FROM "${schema}".feed_size WHERE user_id = $1`, [vic.id]);
    expect(await ids(vic)).toEqual([own, mentioning, followed]);
  });
});

describe('feed sizes', () => {
  // Last in the file: the replica above is stopped, and one that writes its sizes only every
  // minute takes the events; what it counted is written when it stops, not lost with it.
  it('are written after the commits, and by a replica stopping before its next write', async () => {
    await feed.stop();
    const slow = await startFeed(
      loadFeedConfig({
        NATS_URL: nats.url,
        DATABASE_URL: TEST_DATABASE_URL,
        FEED_DB_SCHEMA: schema,
        LOG_LEVEL: 'warn',
        FEED_SIZE_FLUSH_MS: '60000',
      }),
      { handleSignals: false },
    );
    const [yul, zed] = [user('yul'), user('zed')];
    try {
      await follow(yul, zed);
      const p = await post(zed);
      await settled();
      expect(await ids(yul)).toEqual([p]);
      expect(await sizeOf(yul)).toBeUndefined(); // counted, not written yet
    } finally {
      await slow.stop();
    }
    expect(await sizeOf(yul)).toBe(1);
    expect(await sizeOf(zed)).toBe(1);
  });
});
