// The real graph service, in this process, over a private nats-server (JetStream) against
// PostgreSQL: follows are idempotent, pages are keyset-paginated newest first without gaps or
// repeats, relationships come in one batch, and each change publishes its event exactly once.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Events, Subjects, type AuthorSummary } from '#contracts';
import { EVENTS_STREAM } from '#events';
import { type MeshClient } from '#mesh';
import { type RunningService } from '#service';
import {
  dropSchemas,
  expectEventually,
  freshSchema,
  meshFailure,
  readStream,
  sql,
  startNatsServer,
  testClient,
  TEST_DATABASE_URL,
  type NatsServerHandle,
} from '#testing';
import { loadGraphConfig } from '../src/graph.config.js';
import { startGraph } from '../src/graph.app.js';

let nats: NatsServerHandle;
let graph: RunningService;
let client: { nc: NatsConnection; mesh: MeshClient };
const schema = freshSchema('graph');

beforeAll(async () => {
  nats = await startNatsServer();
  client = await testClient(nats.url);
  const env = { NATS_URL: nats.url, DATABASE_URL: TEST_DATABASE_URL, GRAPH_DB_SCHEMA: schema, LOG_LEVEL: 'warn' };
  graph = await startGraph(loadGraphConfig(env), { handleSignals: false });
});

afterAll(async () => {
  await client?.nc.close();
  await graph?.stop();
  await nats?.stop();
  await dropSchemas(schema);
});

let n = 0;
const user = (name: string): AuthorSummary => ({ id: randomUUID(), username: `${name}_${++n}`, displayName: name });
const follow = (follower: AuthorSummary, followee: AuthorSummary, idempotencyKey?: string) =>
  client.mesh.request(Subjects.graph.follow, { follower, followee }, { idempotencyKey });
const unfollow = (follower: AuthorSummary, followee: AuthorSummary, idempotencyKey?: string) =>
  client.mesh.request(
    Subjects.graph.unfollow,
    { followerId: follower.id, followee: followee.username },
    { idempotencyKey },
  );
const followers = (u: AuthorSummary, limit = 20, cursor?: string) =>
  client.mesh.request(Subjects.graph.followers, { username: u.username, limit, cursor });
const following = (u: AuthorSummary, limit = 20, cursor?: string) =>
  client.mesh.request(Subjects.graph.following, { username: u.username, limit, cursor });
const rows = (followee: AuthorSummary) =>
  sql<{ follower_id: string }>(`SELECT follower_id FROM "${schema}".follow WHERE followee_id = $1`, [followee.id]);
const eventsAbout = async (u: AuthorSummary) =>
  (await readStream(client.nc, EVENTS_STREAM, 'events.graph.')).filter(
    (e) => (e.data.followee as AuthorSummary).id === u.id,
  );
const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('graph over NATS', () => {
  it('follows once however often asked, also when ten follows race', async () => {
    const [ann, bea] = [user('ann'), user('bea')];
    expect(await follow(ann, bea)).toEqual({ following: true });
    expect(await follow(ann, bea)).toEqual({ following: true });
    const raced = await Promise.all(Array.from({ length: 10 }, () => follow(bea, ann)));
    expect(raced).toEqual(Array.from({ length: 10 }, () => ({ following: true })));
    expect(await rows(bea)).toEqual([{ follower_id: ann.id }]);
    expect(await rows(ann)).toEqual([{ follower_id: bea.id }]);
  });

  it('refuses following yourself, and stores nothing', async () => {
    const solo = user('solo');
    expect(await meshFailure(follow(solo, solo))).toEqual({
      code: 'invalid',
      message: 'The request is not valid.',
      errors: [{ field: 'username', message: 'you cannot follow yourself' }],
      service: 'graph',
    });
    expect(await rows(solo)).toEqual([]);
  });

  it('refuses a malformed request', async () => {
    const failure = await meshFailure(
      client.mesh.request(Subjects.graph.unfollow, { followerId: 'nope', followee: 'Not Valid' }),
    );
    expect(failure).toMatchObject({ code: 'invalid', service: 'graph' });
  });

  it('unfollows idempotently, also someone never followed', async () => {
    const [cat, dan, eve] = [user('cat'), user('dan'), user('eve')];
    await follow(cat, dan);
    await follow(eve, dan);
    expect(await unfollow(cat, dan)).toEqual({ following: false });
    expect(await unfollow(cat, dan)).toEqual({ following: false });
    expect(await unfollow(cat, eve)).toEqual({ following: false });
    expect(await rows(dan)).toEqual([{ follower_id: eve.id }]);
  });

  it('pages followers and following newest first, without gaps or repeats while follows arrive', async () => {
    const star = user('star');
    const fans = Array.from({ length: 7 }, (_, i) => user(`fan${i}`));
    for (const f of fans) await follow(f, star);
    const first = await followers(star, 3);
    expect(first.items.map((i) => i.user)).toEqual(fans.slice(4).reverse());
    expect(first.items[0].since).toMatch(iso);
    // A follow made while a client pages through shifts nothing on later pages.
    await follow(user('late'), star);
    const seen = [...first.items];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await followers(star, 3, cursor);
      seen.push(...page.items);
      cursor = page.nextCursor;
    }
    expect(seen.map((i) => i.user.id)).toEqual(fans.map((f) => f.id).reverse());
    expect((await following(fans[0])).items).toEqual([{ user: star, since: expect.stringMatching(iso) }]);
    expect(await following(user('nobody'))).toEqual({ items: [], nextCursor: null });
  });

  it('answers counts and relationships for a batch in one request', async () => {
    const [gus, hal, ida] = [user('gus'), user('hal'), user('ida')];
    await follow(gus, hal);
    await follow(hal, gus);
    await follow(ida, hal);
    const reply = await client.mesh.request(Subjects.graph.relationships, {
      userIds: [hal.id, ida.id, gus.id.toUpperCase()],
      viewerId: gus.id,
    });
    expect(reply).toEqual({
      relationships: {
        [hal.id]: { followerCount: 2, followingCount: 1, followedByMe: true, followsMe: true },
        [ida.id]: { followerCount: 0, followingCount: 1, followedByMe: false, followsMe: false },
        [gus.id.toUpperCase()]: { followerCount: 1, followingCount: 1, followedByMe: false, followsMe: false },
      },
    });
    const anonymous = await client.mesh.request(Subjects.graph.relationships, { userIds: [hal.id] });
    expect(anonymous).toEqual({
      relationships: { [hal.id]: { followerCount: 2, followingCount: 1, followedByMe: null, followsMe: null } },
    });
  });

  it('publishes one followed and one unfollowed event per change, none for a no-op or a replay', async () => {
    const [joe, kim] = [user('joe'), user('kim')];
    const key = randomUUID();
    await follow(joe, kim, key);
    await follow(joe, kim, key);
    await follow(joe, kim);
    await unfollow(joe, kim);
    await unfollow(joe, kim);
    // A replay of the first follow's key answers from the key: it follows again nobody.
    await follow(joe, kim, key);
    expect(await rows(kim)).toEqual([]);
    await expectEventually(async () => expect(await eventsAbout(kim)).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 700)); // a poll or two: nothing more arrives
    const events = await eventsAbout(kim);
    expect(events.map((e) => e.subject)).toEqual([Events.graph.followed, Events.graph.unfollowed]);
    expect(events[0].data).toEqual({
      eventId: expect.any(String),
      occurredAt: expect.stringMatching(/^\d{4}-/),
      follower: joe,
      followee: kim,
      version: expect.any(Number),
    });
    expect(events[1].data).toMatchObject({ follower: joe, followee: kim });
    expect(events[1].data.version as number).toBeGreaterThan(events[0].data.version as number);
  });

  it('pages every follow in version order (graph.edges), the version its followed event carried', async () => {
    const [ona, pat, quin] = [user('ona'), user('pat'), user('quin')];
    await follow(ona, pat);
    await follow(ona, quin);
    await follow(pat, quin);
    await unfollow(ona, pat);
    await follow(ona, pat); // again: a new version, after the unfollow's
    const all = [];
    let afterVersion: number | undefined;
    do {
      const page = await client.mesh.request(Subjects.graph.edges, { afterVersion, limit: 2 });
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items);
      afterVersion = page.nextAfterVersion ?? undefined;
    } while (afterVersion !== undefined);
    const versions = all.map((e) => e.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    const ours = all.filter((e) => [ona.id, pat.id].includes(e.followerId));
    // The outbox publishes a moment after the commit: wait for the last follow's event.
    let followed: Array<Record<string, unknown>> = [];
    await expectEventually(async () => {
      followed = (await readStream(client.nc, EVENTS_STREAM, 'events.graph.followed')).map((e) => e.data);
      expect(
        followed.filter(
          (d) => (d.follower as AuthorSummary).id === ona.id && (d.followee as AuthorSummary).id === pat.id,
        ),
      ).toHaveLength(2);
    });
    const lastFollowed = (f: AuthorSummary, g: AuthorSummary) =>
      followed
        .filter((d) => (d.follower as AuthorSummary).id === f.id && (d.followee as AuthorSummary).id === g.id)
        .at(-1)!.version as number;
    expect(ours).toEqual([
      { followerId: ona.id, followeeId: quin.id, version: lastFollowed(ona, quin) },
      { followerId: pat.id, followeeId: quin.id, version: lastFollowed(pat, quin) },
      { followerId: ona.id, followeeId: pat.id, version: lastFollowed(ona, pat) },
    ]);
    // One follower's only, and a bad page size refused.
    expect(await client.mesh.request(Subjects.graph.edges, { followerId: pat.id, limit: 10 })).toEqual({
      items: [{ followerId: pat.id, followeeId: quin.id, version: lastFollowed(pat, quin) }],
      nextAfterVersion: null,
    });
    await expect(client.mesh.request(Subjects.graph.edges, { limit: 1001 })).rejects.toMatchObject({ code: 'invalid' });
  });
});
