// `mesh feed rebuild [username]` as an operator runs it: the real CLI (dist/tools/mesh) against a
// mesh of real processes on NATS with per-app users (the operator's user, feed's new calls to
// graph and posts). A small graph and posts made through the edge; feed's tables snapshotted,
// truncated, rebuilt from graph and posts → the same rows. One user's feed emptied → rebuilt for
// that user only. Writes racing a rebuild → every feed right afterwards. The services it needs
// down → a clear message and a non-zero exit. And a rebuild of a bigger seeded mesh, timed.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, http, scaleToZero, sql, startTestMesh, type TestMesh } from '#testing';

const mainJs = fileURLToPath(new URL('../dist/tools/mesh/src/main.js', import.meta.url));
let mesh: TestMesh;
let url: string;
let feedSchema: string;
type Account = { token: string; user: { id: string; username: string; displayName: string } };
const users: Account[] = [];
/** The model: who follows whom, each user's posts still there, and the posts that mention each user. */
const follows = new Map<string, Set<string>>();
const postsOf = new Map<string, string[]>();
const mentioning = new Map<string, string[]>();

function cli(args: string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [mainJs, ...args], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...mesh.operatorEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

async function signup(username: string): Promise<Account> {
  const res = await http(url, 'POST', '/auth/signup', { body: { username, password: 'rebuild password' } });
  expect(res.status).toBe(201);
  follows.set(res.body.user.id, new Set());
  postsOf.set(res.body.user.id, []);
  mentioning.set(res.body.user.id, []);
  return res.body;
}
/** A post by `who`; with `mentions`, its text names them (`@username`) and posts resolves each. */
async function write(who: Account, text: string, mentions: Account[] = []): Promise<string> {
  const body = { text: [text, ...mentions.map((m) => `@${m.user.username}`)].join(' ') };
  const res = await http(url, 'POST', '/posts', { token: who.token, body });
  expect(res.status).toBe(201);
  expect(res.body.mentions).toEqual(mentions.map((m) => ({ username: m.user.username })));
  postsOf.get(who.user.id)!.push(res.body.id);
  for (const m of mentions) mentioning.get(m.user.id)!.push(res.body.id);
  return res.body.id;
}
async function remove(who: Account, id: string): Promise<void> {
  expect((await http(url, 'DELETE', `/posts/${id}`, { token: who.token })).status).toBe(204);
  postsOf.set(
    who.user.id,
    postsOf.get(who.user.id)!.filter((p) => p !== id),
  );
  for (const [user, ids] of mentioning)
    mentioning.set(
      user,
      ids.filter((p) => p !== id),
    );
}
async function follow(who: Account, whom: Account): Promise<void> {
  const res = await http(url, 'PUT', `/users/${whom.user.username}/follow`, { token: who.token });
  expect(res.status).toBe(204);
  follows.get(who.user.id)!.add(whom.user.id);
}
async function unfollow(who: Account, whom: Account): Promise<void> {
  const res = await http(url, 'DELETE', `/users/${whom.user.username}/follow`, { token: who.token });
  expect(res.status).toBe(204);
  follows.get(who.user.id)!.delete(whom.user.id);
}
const expectedFeed = (who: Account) =>
  [
    ...new Set([
      ...[who.user.id, ...follows.get(who.user.id)!].flatMap((id) => postsOf.get(id)!),
      ...mentioning.get(who.user.id)!,
    ]),
  ].sort();
async function homeIds(who: Account): Promise<string[]> {
  const res = await http(url, 'GET', '/timeline/home?limit=100', { token: who.token });
  expect(res.status).toBe(200);
  return res.body.items.map((p: { id: string }) => p.id).sort();
}
const everyFeedRight = () =>
  expectEventually(
    async () => {
      for (const u of users) expect(await homeIds(u)).toEqual(expectedFeed(u));
    },
    { timeoutMs: 15_000 },
  );

const TABLES = {
  follow_edge: 'SELECT author_id, follower_id, version::text FROM %s.follow_edge WHERE following',
  author_post: 'SELECT post_id, author_id, created_at FROM %s.author_post',
  feed_item: 'SELECT user_id, post_id, author_id, created_at FROM %s.feed_item',
  feed_size: 'SELECT user_id, size FROM %s.feed_size',
  mention: 'SELECT post_id, user_id, author_id, created_at FROM %s.mention',
} as const;
type Snapshot = Record<keyof typeof TABLES, string[]>;
/**
 * Until feed has written the sizes it counted (every FEED_SIZE_FLUSH_MS, after the commits):
 * then each feed's size is its number of items.
 */
const sizesWritten = () =>
  expectEventually(async () =>
    expect(
      await sql(`SELECT u.user_id FROM (SELECT user_id FROM "${feedSchema}".feed_item UNION SELECT user_id FROM "${feedSchema}".feed_size) u
        WHERE (SELECT count(*) FROM "${feedSchema}".feed_item f WHERE f.user_id = u.user_id)
          IS DISTINCT FROM (SELECT size FROM "${feedSchema}".feed_size s WHERE s.user_id = u.user_id)`),
    ).toEqual([]),
  );
/** Feed's tables as sets: each row as one JSON string, sorted. */
async function snapshot(): Promise<Snapshot> {
  const out = {} as Snapshot;
  for (const [table, query] of Object.entries(TABLES) as Array<[keyof typeof TABLES, string]>) {
    const rows = await sql(query.replace('%s', `"${feedSchema}"`));
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}
const only = (s: Snapshot, userId: string) => s.feed_item.filter((r) => r.includes(`"user_id":"${userId}"`));

beforeAll(async () => {
  mesh = await startTestMesh({ replicas: { identity: 1, posts: 1, graph: 1, feed: 1 }, auth: true });
  url = mesh.edgeUrl;
  feedSchema = mesh.env.FEED_DB_SCHEMA;
  for (const name of ['ana', 'ben', 'cy', 'dee', 'eli', 'fay']) users.push(await signup(`${name}_rebuild`));
  const [ana, ben, cy, dee, eli, fay] = users;
  for (const [a, b] of [
    [ana, ben],
    [ana, cy],
    [ben, ana],
    [cy, dee],
    [dee, ana],
    [eli, ana],
    [eli, fay],
    [fay, eli],
    [ben, dee],
  ] as const)
    await follow(a, b);
  for (const u of users) for (let i = 0; i < 3; i++) await write(u, `${u.user.username} says ${i}`);
  // Mentions: ana does not follow fay; cy follows dee (that post reaches cy both ways), eli does not.
  await write(fay, 'hello', [ana]);
  await write(dee, 'hi both', [cy, eli]);
  await remove(ana, postsOf.get(ana.user.id)![0]);
  await unfollow(ben, dee);
  await follow(cy, fay);
  await everyFeedRight();
}, 180_000);
afterAll(async () => mesh?.stop());

describe('mesh feed rebuild', () => {
  it('rebuilds every feed from graph and posts: after a truncate, the same rows as before', async () => {
    await sizesWritten();
    const before = await snapshot();
    expect(before.feed_item.length).toBeGreaterThan(20);
    await sql(
      `TRUNCATE "${feedSchema}".feed_item, "${feedSchema}".follow_edge, "${feedSchema}".author_post, "${feedSchema}".feed_size, "${feedSchema}".mention`,
    );
    const r = await cli(['feed', 'rebuild']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // 9 follows made, 1 undone; 20 posts written (2 mentioning), 1 deleted.
    expect(before.mention.length).toBe(3);
    expect(r.stdout).toMatch(
      /^rebuilt 6 feeds from 9 follows and 19 posts \(graph, posts\): \d+ feed items written in \d+\.\d s\n$/,
    );
    expect(r.stdout).toContain(`${before.feed_item.length} feed items written`);
    expect(await snapshot()).toEqual(before);
    await everyFeedRight();
  });

  it("rebuilds one user's feed only, by username", async () => {
    await sizesWritten();
    const before = await snapshot();
    const [ana, ben] = users;
    await sql(`DELETE FROM "${feedSchema}".feed_item WHERE user_id = $1`, [ana.user.id]);
    await sql(`DELETE FROM "${feedSchema}".feed_size WHERE user_id = $1`, [ana.user.id]);
    // Her mentions too: read back from posts (fay's post mentions her; she does not follow fay).
    await sql(`DELETE FROM "${feedSchema}".mention WHERE user_id = $1`, [ana.user.id]);
    // Another user's feed, damaged too, is not touched by ana's rebuild.
    const benFirst = only(before, ben.user.id)[0];
    await sql(`DELETE FROM "${feedSchema}".feed_item WHERE user_id = $1 AND post_id = $2`, [
      ben.user.id,
      JSON.parse(benFirst).post_id,
    ]);
    const r = await cli(['feed', 'rebuild', ana.user.username, '--json']);
    expect(r.code).toBe(0);
    const reply = JSON.parse(r.stdout);
    expect(reply).toEqual({
      users: 1,
      followEdges: 2,
      posts: expectedFeed(ana).length,
      items: expectedFeed(ana).length,
      ms: expect.any(Number),
    });
    const after = await snapshot();
    expect(only(after, ana.user.id)).toEqual(only(before, ana.user.id));
    expect(after.feed_size).toEqual(before.feed_size);
    expect(only(after, ben.user.id)).toEqual(only(before, ben.user.id).filter((row) => row !== benFirst));
    await cli(['feed', 'rebuild', ben.user.username]);
    expect(await snapshot()).toEqual(before);
  });

  it('a feed lost is still built on first read, from feed’s own projections', async () => {
    const [, , cy] = users;
    await sql(`DELETE FROM "${feedSchema}".feed_item WHERE user_id = $1`, [cy.user.id]);
    await sql(`DELETE FROM "${feedSchema}".feed_size WHERE user_id = $1`, [cy.user.id]);
    expect(await homeIds(cy)).toEqual(expectedFeed(cy));
  });

  it('events handled while a rebuild runs are not lost or undone', async () => {
    const [ana, ben, cy, dee, eli, fay] = users;
    const rebuild = cli(['feed', 'rebuild']);
    await write(dee, 'during the rebuild');
    await follow(fay, dee);
    await unfollow(eli, ana);
    await remove(cy, postsOf.get(cy.user.id)![1]);
    await write(ben, 'also during');
    const r = await rebuild;
    expect(r.code).toBe(0);
    await everyFeedRight();
    // And a rebuild after the events settled changes nothing.
    const settled = await snapshot();
    expect((await cli(['feed', 'rebuild'])).code).toBe(0);
    expect(await snapshot()).toEqual(settled);
  });

  it('refuses a bad username, and names an unknown one', async () => {
    const bad = await cli(['feed', 'rebuild', 'No Such']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('feed rebuild: "No Such" is not a username');
    const unknown = await cli(['feed', 'rebuild', 'nobody_here']);
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'mesh: no user is named nobody_here\n' });
  });

  it('times a rebuild of a bigger mesh (seeded in graph and posts directly)', async () => {
    const N_USERS = 1000;
    const FOLLOWS_EACH = 20;
    const POSTS_EACH = 10;
    const graph = `"${mesh.env.GRAPH_DB_SCHEMA}"`;
    const posts = `"${mesh.env.POSTS_DB_SCHEMA}"`;
    const ids = Array.from({ length: N_USERS }, () => randomUUID());
    await sql(
      `INSERT INTO ${posts}.post (id, author_id, author_username, author_display_name, text, media_ids, created_at)
        SELECT gen_random_uuid(), a, 'seed_' || i, 'Seed', 'seeded post', '{}',
          now() - (random() * interval '30 days')
        FROM unnest($1::uuid[]) WITH ORDINALITY AS u(a, i), generate_series(1, $2)`,
      [ids, POSTS_EACH],
    );
    await sql(
      `INSERT INTO ${graph}.follow (follower_id, followee_id, follower_username, follower_display_name,
          followee_username, followee_display_name, version)
        SELECT f, ($1::uuid[])[1 + (i + k * 37) % $3], 'seed_' || i, 'Seed', 'seed', 'Seed', nextval('${graph}.follow_version')
        FROM unnest($1::uuid[]) WITH ORDINALITY AS u(f, i), generate_series(1, $2) AS k
        ON CONFLICT DO NOTHING`,
      [ids, FOLLOWS_EACH, N_USERS],
    );
    const r = await cli(['feed', 'rebuild', '--json'], 300_000);
    expect(r.stderr).toBe('');
    const reply = JSON.parse(r.stdout);
    expect(reply.users).toBe(N_USERS + users.length);
    expect(reply.posts).toBe(N_USERS * POSTS_EACH + Object.values(Object.fromEntries(postsOf)).flat().length);
    process.stdout.write(
      `[feed rebuild] ${reply.users} feeds, ${reply.followEdges} follows, ${reply.posts} posts → ` +
        `${reply.items} items in ${reply.ms} ms\n`,
    );
    const one = await cli(['feed', 'rebuild', users[0].user.username, '--json']);
    process.stdout.write(`[feed rebuild] one user: ${JSON.parse(one.stdout).ms} ms\n`);
  }, 300_000);

  it('with graph down: a clear message naming graph, exit code 1; with feed down: naming feed', async () => {
    await scaleToZero(mesh, 'graph');
    const r = await cli(['feed', 'rebuild']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mesh: the rebuild failed: graph is down \(unavailable\): graph is unavailable/);
    await scaleToZero(mesh, 'feed');
    const f = await cli(['feed', 'rebuild']);
    expect(f).toEqual({
      code: 1,
      stdout: '',
      stderr: 'mesh: the rebuild failed: feed is down (no_responders): no replica of feed is running\n',
    });
  });
});
