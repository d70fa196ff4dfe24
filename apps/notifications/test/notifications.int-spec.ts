// notifications as a consumer of posts', graph's, likes' and comments' events, the built service
// as a real process against a private nats-server (JetStream) and PostgreSQL. Events are
// published as their producers publish them; notifications are read over notifications.* and
// heard live on live.notifications.<userId>. Covers each kind, self-actions, grouping, removal
// while unread, like/unlike in both orders, redelivery, a like before its post, and catching up
// after the replica was killed (SIGKILL) and started again, and the periodic prune of the claims.
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  Events,
  LiveSubjects,
  Subjects,
  type AuthorSummary,
  type EventSubject,
  type Notification,
} from '#contracts';
import { EVENTS_MAX_AGE_MS, EVENTS_STREAM } from '#events';
import { type MeshClient } from '#mesh';
import {
  consumerState,
  dropSchemas,
  expectEventually,
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
} from '#testing';
import { loadNotificationsConfig } from '../src/notifications.config.js';

let nats: NatsServerHandle;
let client: { nc: NatsConnection; mesh: MeshClient };
let replica: AppProcess;
const schema = freshSchema('notifications');
const start = async (env: Record<string, string> = {}) => {
  const p = spawnApp('notifications', {
    NATS_URL: nats.url,
    DATABASE_URL: TEST_DATABASE_URL,
    NOTIFICATIONS_DB_SCHEMA: schema,
    LOG_LEVEL: 'warn',
    ...env,
  });
  await waitUntilJoined(client.nc, p);
  return p;
};

beforeAll(async () => {
  nats = await startNatsServer();
  client = await testClient(nats.url);
  replica = await start();
});
afterAll(async () => {
  await client?.nc.close();
  await stopAllApps();
  await nats?.stop();
  await dropSchemas(schema);
});

let n = 0;
const user = (name: string): AuthorSummary => ({ id: randomUUID(), username: `${name}_${++n}`, displayName: name });
let version = 0;

async function publish(subject: EventSubject, facts: Record<string, unknown>, eventId: string = randomUUID()) {
  const event = { eventId, occurredAt: new Date().toISOString(), ...facts };
  // A new message id each time: a re-publish of the same event is what a redelivery looks like.
  await jetstream(client.nc).publish(subject, JSON.stringify(event), { msgID: randomUUID() });
  return event;
}
const post = async (author: AuthorSummary, o: { text?: string; mentions?: AuthorSummary[] } = {}) => {
  const postId = randomUUID();
  await publish(Events.posts.created, {
    postId,
    authorId: author.id,
    mediaIds: [],
    createdAt: new Date().toISOString(),
    author,
    excerpt: o.text ?? 'a post',
    mentions: (o.mentions ?? []).map((m) => ({ id: m.id, username: m.username })),
  });
  return postId;
};
const removePost = (postId: string, author: AuthorSummary) =>
  publish(Events.posts.deleted, { postId, authorId: author.id, mediaIds: [] });
const like = (postId: string, u: AuthorSummary, v = ++version) =>
  publish(Events.likes.liked, { postId, user: u, version: v });
const unlike = (postId: string, u: AuthorSummary, v = ++version) =>
  publish(Events.likes.unliked, { postId, user: u, version: v });
const follow = (follower: AuthorSummary, followee: AuthorSummary, v = ++version) =>
  publish(Events.graph.followed, { follower, followee, version: v });
const unfollow = (follower: AuthorSummary, followee: AuthorSummary, v = ++version) =>
  publish(Events.graph.unfollowed, { follower, followee, version: v });
const comment = (postId: string, author: AuthorSummary, excerpt = 'nice') => {
  const commentId = randomUUID();
  return publish(Events.comments.created, { commentId, postId, author, excerpt }).then(() => commentId);
};
const uncomment = (commentId: string, postId: string, author: AuthorSummary) =>
  publish(Events.comments.deleted, { commentId, postId, author });

const list = (u: AuthorSummary, limit = 100, cursor?: string) =>
  client.mesh.request(Subjects.notifications.list, { userId: u.id, limit, cursor });
const items = async (u: AuthorSummary) => (await list(u)).items;
const unread = async (u: AuthorSummary) =>
  (await client.mesh.request(Subjects.notifications.unreadCount, { userId: u.id })).unread;

const SUBJECTS = [Events.posts, Events.graph, Events.likes, Events.comments].flatMap((e) => Object.values(e));
/** Every consumer of notifications has handled everything published so far. */
async function settled(): Promise<void> {
  await expectEventually(
    async () => {
      for (const s of SUBJECTS) {
        const durable = `notifications--${s.replace(/\./g, '-')}`;
        expect(await consumerState(client.nc, EVENTS_STREAM, durable)).toMatchObject({ pending: 0, ackPending: 0 });
      }
    },
    { timeoutMs: 15_000 },
  );
}

describe('notifications built from events', () => {
  it('tells a follow, a mention, a like and a comment, newest first, each live after its commit', async () => {
    const ann = user('ann');
    const bob = user('bob');
    const heard: Notification[] = [];
    const sub = client.nc.subscribe(LiveSubjects.notification(ann.id), {
      callback: (_err, msg) => {
        heard.push(msg.json<Notification>());
      },
    });
    await follow(bob, ann);
    await settled();
    const mentioning = await post(bob, { text: 'hi @ann', mentions: [ann] });
    await settled();
    const mine = await post(ann, { text: 'my post' });
    await settled();
    await like(mine, bob);
    await settled();
    const c = await comment(mine, bob, 'great post');
    await settled();

    const page = await list(ann);
    expect(page).toEqual({
      items: [
        {
          id: expect.any(String),
          type: 'comment',
          actor: bob,
          post: { id: mine, excerpt: 'my post' },
          comment: { id: c, excerpt: 'great post' },
          createdAt: expect.any(String),
          read: false,
        },
        {
          id: expect.any(String),
          type: 'like',
          actor: bob,
          count: 1,
          actors: [bob],
          post: { id: mine, excerpt: 'my post' },
          createdAt: expect.any(String),
          read: false,
        },
        {
          id: expect.any(String),
          type: 'mention',
          actor: bob,
          post: { id: mentioning, excerpt: 'hi @ann' },
          createdAt: expect.any(String),
          read: false,
        },
        { id: expect.any(String), type: 'follow', actor: bob, createdAt: expect.any(String), read: false },
      ],
      nextCursor: null,
      unread: 4,
    });
    await expectEventually(() => expect(heard.map((h) => h.id)).toEqual(page.items.map((i) => i.id).reverse()));
    expect(heard[3]).toEqual(page.items[0]);
    sub.unsubscribe();
    // Nothing for bob: every one of these was his own action or about ann.
    expect(await items(bob)).toEqual([]);
  });

  it('never tells you of your own actions', async () => {
    const cat = user('cat');
    const p = await post(cat, { mentions: [cat] });
    await like(p, cat);
    await comment(p, cat);
    await settled();
    expect(await list(cat)).toEqual({ items: [], nextCursor: null, unread: 0 });
  });

  it("groups a post's likes into one notification: how many, the latest likers first, moved up by each new like", async () => {
    const dan = user('dan');
    const likers = Array.from({ length: 5 }, (_, i) => user(`liker${i}`));
    const p = await post(dan);
    const other = await post(dan);
    await settled();
    for (const l of likers.slice(0, 4)) await like(p, l);
    await settled();
    await like(other, likers[0]);
    await settled();
    expect((await items(dan)).map((i) => [i.post?.id, i.count])).toEqual([
      [other, 1],
      [p, 4],
    ]);
    await like(p, likers[4]);
    await settled();
    const [top] = await items(dan);
    expect(top).toMatchObject({ type: 'like', post: { id: p }, count: 5, actor: likers[4] });
    expect(top.actors).toEqual([likers[4], likers[3], likers[2]]);
    // An unlike updates who and how many without moving it.
    await unlike(p, likers[4]);
    await settled();
    expect((await items(dan)).map((i) => [i.post?.id, i.count, i.actor.id])).toEqual([
      [p, 4, likers[3].id],
      [other, 1, likers[0].id],
    ]);
  });

  it('ends with no notification for a like then its unlike, in either order of arrival', async () => {
    const eve = user('eve');
    const fan = user('fan');
    const inOrder = await post(eve);
    const reversed = await post(eve);
    await settled();
    await like(inOrder, fan, 1_000_001);
    await unlike(inOrder, fan, 1_000_002);
    // The unlike (the later change) arrives first: the like, older, changes nothing.
    await unlike(reversed, fan, 1_000_004);
    await settled();
    await like(reversed, fan, 1_000_003);
    await settled();
    expect(await list(eve)).toEqual({ items: [], nextCursor: null, unread: 0 });
    // And a like again, newer, is told.
    await like(reversed, fan, 1_000_005);
    await settled();
    expect((await items(eve)).map((i) => i.post?.id)).toEqual([reversed]);
  });

  it('removes an unread notification when its follow, comment or post goes; a read one stays', async () => {
    const gus = user('gus');
    const hal = user('hal');
    const p = await post(gus);
    const q = await post(hal, { mentions: [gus] });
    await settled();
    await follow(hal, gus);
    const c = await comment(p, hal);
    await like(p, hal);
    await settled();
    expect(await unread(gus)).toBe(4);
    await unfollow(hal, gus);
    await uncomment(c, p, hal);
    await removePost(q, hal);
    await settled();
    expect((await items(gus)).map((i) => i.type)).toEqual(['like']);
    // Read, it stays when the post goes.
    const [likeOfP] = await items(gus);
    await client.mesh.request(Subjects.notifications.markRead, { userId: gus.id, upTo: likeOfP.id });
    await removePost(p, gus);
    await settled();
    expect(await list(gus)).toEqual({ items: [{ ...likeOfP, read: true }], nextCursor: null, unread: 0 });
  });

  it('tells a like and a comment that arrived before their post once the post is known', async () => {
    const ivy = user('ivy');
    const jon = user('jon');
    const postId = randomUUID();
    await like(postId, jon);
    const commentId = await comment(postId, jon);
    await settled();
    expect(await items(ivy)).toEqual([]);
    await publish(Events.posts.created, { postId, authorId: ivy.id, mediaIds: [], author: ivy, excerpt: 'late' });
    await settled();
    expect((await items(ivy)).map((i) => [i.type, i.post, i.comment?.id])).toEqual(
      expect.arrayContaining([
        ['like', { id: postId, excerpt: 'late' }, undefined],
        ['comment', { id: postId, excerpt: 'late' }, commentId],
      ]),
    );
  });

  it('changes nothing when the same events are delivered twice', async () => {
    const kim = user('kim');
    const lee = user('lee');
    const p = await post(kim);
    await settled();
    const liked = await like(p, lee);
    const followed = await follow(lee, kim);
    await settled();
    const before = await list(kim);
    expect(before.unread).toBe(2);
    await publish(Events.likes.liked, liked, liked.eventId);
    await publish(Events.graph.followed, followed, followed.eventId);
    await settled();
    expect(await list(kim)).toEqual(before);
  });

  it('pages newest first without repeats; the read marker moves only forward', async () => {
    const max = user('max');
    const followers = Array.from({ length: 5 }, (_, i) => user(`f${i}`));
    for (const f of followers) {
      await follow(f, max);
      await settled();
    }
    const first = await list(max, 2);
    const second = await list(max, 2, first.nextCursor!);
    const third = await list(max, 2, second.nextCursor!);
    expect([...first.items, ...second.items, ...third.items].map((i) => i.actor.id)).toEqual(
      followers.map((f) => f.id).reverse(),
    );
    expect(third.nextCursor).toBeNull();
    await client.mesh.request(Subjects.notifications.markRead, { userId: max.id, upTo: second.items[0].id });
    expect(await unread(max)).toBe(2);
    // Back to an older one: the marker stays.
    await client.mesh.request(Subjects.notifications.markRead, { userId: max.id, upTo: third.items[0].id });
    expect((await list(max)).items.map((i) => i.read)).toEqual([false, false, true, true, true]);
    await expect(
      client.mesh.request(Subjects.notifications.markRead, { userId: max.id, upTo: randomUUID() }),
    ).rejects.toMatchObject({ code: ErrorCodes.notFound });
    // Someone else's notification is no notification of yours.
    await expect(
      client.mesh.request(Subjects.notifications.markRead, { userId: followers[0].id, upTo: first.items[0].id }),
    ).rejects.toMatchObject({ code: ErrorCodes.notFound });
    await expect(list(max, 2, 'bm90LWEtY3Vyc29y')).rejects.toMatchObject({ code: ErrorCodes.invalid });
  });

  it('catches up on everything published while its replica was killed, each once', async () => {
    const ned = user('ned');
    const p = await post(ned);
    await settled();
    replica.kill('SIGKILL');
    await replica.exited;
    const missed = Array.from({ length: 3 }, (_, i) => user(`missed${i}`));
    for (const m of missed) await follow(m, ned);
    for (const m of missed) await like(p, m);
    await comment(p, missed[0]);
    replica = await start();
    await settled();
    const page = await list(ned);
    expect(page.items.map((i) => i.type).sort()).toEqual(['comment', 'follow', 'follow', 'follow', 'like']);
    expect(page.items.find((i) => i.type === 'like')).toMatchObject({ count: 3 });
    expect(page.unread).toBe(5);
  });

  it('prunes the claims of events handled longer ago than the retention, every interval, and keeps the younger ones', async () => {
    const claims = `"${schema}".processed_event`;
    const kat = user('kat');
    const fan = user('fan');
    // Claims of a week ago and more (as if handled then), and one event handled just now.
    const old = [randomUUID(), randomUUID(), randomUUID()];
    await sql(`INSERT INTO ${claims} (event_id, processed_at) SELECT unnest($1::uuid[]), now() - interval '8 days'`, [
      old,
    ]);
    const fresh = await follow(fan, kat);
    await settled();
    const held = async (ids: string[]) =>
      (await sql<{ event_id: string }>(`SELECT event_id FROM ${claims} WHERE event_id = ANY($1::uuid[])`, [ids])).map(
        (r) => r.event_id,
      );
    expect((await held([...old, fresh.eventId])).sort()).toEqual([...old, fresh.eventId].sort());
    // A replica told to keep claims 1 day, pruning every 200 ms.
    replica.kill('SIGTERM');
    await replica.exited;
    replica = await start({
      NOTIFICATIONS_CLAIM_RETENTION_MS: '86400000',
      NOTIFICATIONS_CLAIM_PRUNE_INTERVAL_MS: '200',
    });
    await expectEventually(async () => expect(await held(old)).toEqual([]), { timeoutMs: 10_000 });
    // Pruned again and again (every interval): a claim aged past the retention meanwhile goes too.
    const aged = randomUUID();
    await sql(`INSERT INTO ${claims} (event_id, processed_at) VALUES ($1, now() - interval '2 days')`, [aged]);
    await expectEventually(async () => expect(await held([aged])).toEqual([]), { timeoutMs: 10_000 });
    // The young claim stays, and what the events made is untouched.
    expect(await held([fresh.eventId])).toEqual([fresh.eventId]);
    expect((await list(kat)).items.map((i) => [i.type, i.actor.id])).toEqual([['follow', fan.id]]);
  });

  it('refuses a claim retention or prune interval that is not a number of milliseconds in range, naming it', () => {
    const bad = [
      ['NOTIFICATIONS_CLAIM_RETENTION_MS', '10'],
      ['NOTIFICATIONS_CLAIM_RETENTION_MS', 'a week'],
      ['NOTIFICATIONS_CLAIM_PRUNE_INTERVAL_MS', '0'],
    ];
    for (const [name, value] of bad) expect(() => loadNotificationsConfig({ [name]: value })).toThrow(name);
    expect(loadNotificationsConfig({})).toMatchObject({
      NOTIFICATIONS_CLAIM_RETENTION_MS: EVENTS_MAX_AGE_MS,
      NOTIFICATIONS_CLAIM_PRUNE_INTERVAL_MS: 3_600_000,
    });
  });
});
