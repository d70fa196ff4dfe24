// The DeathStarBench socialNetwork workload on failsoft: the socfb-Reed98 graph (or a seeded one
// of its shape) set up through the API, then DSB's mix driven open loop at several arrival rates
// up to and past the knee, the feed lag at 200 posts/s, and an author with 10,000 followers
// posting among the others.
import { randomUUID } from 'node:crypto';
import { Subjects } from '#contracts';
import { runOpenLoop, seededRandom, sweepRates, type OpenLoopResult, type RequestKind } from '#loadgen';
import { sql, startTestMesh, testClient, type TestMesh } from '#testing';
import { degreeSummary, degrees, dsbText, type SocialGraph } from './dsb-graph.js';
import { FeedLagProbe } from './feed-lag.js';
import { inParallel, must, signUp } from './in-parallel.js';
import { round } from './measure.js';

type Emit = (line: Record<string, unknown>) => void;
const PAGES = 11;
const CURSOR_SAMPLE = 120;
const FANS = 10_000;

interface World {
  mesh: TestMesh;
  graph: SocialGraph;
  tokens: string[];
  followers: number[];
  feedSchema: string;
  probe: FeedLagProbe;
}

/**
 * A request to a service's subject, retried while the service says it is busy (unavailable,
 * overloaded, timeout): follows are idempotent, and a sign-up whose first try went through is
 * a login instead (the caller needs its token either way).
 */
async function retried<T>(call: () => Promise<T>, onTaken?: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'conflict' && onTaken) return onTaken();
      if (!['unavailable', 'overloaded', 'timeout'].includes(String(code)) || attempt >= 100) throw e;
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * (attempt + 1))));
    }
  }
}

const since = (t: number) => round((performance.now() - t) / 1000);
const username = (i: number) => `username_${i}`;

/**
 * Waits until feed holds `expected` items (every setup post in its author's and followers'
 * feeds; a feed trimmed at its cap holds fewer, so it also stops once the count has not moved
 * for `quietMs`). A quiet spell alone is not enough: feed applies follows before the posts'
 * fan-outs, and a 3 s pause once passed for settled with a sixth of the items in.
 */
async function feedSettled(schema: string, expected: number, quietMs = 10_000, maxMs = 180_000): Promise<number> {
  const until = Date.now() + maxMs;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const [{ n }] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".feed_item`);
    if (Number(n) !== last) {
      last = Number(n);
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) return last;
    if (last >= expected) return last;
    if (Date.now() > until) throw new Error(`feed never settled (${last} items)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function setUp(graph: SocialGraph, emit: Emit, seed: number): Promise<World> {
  const mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, graph: 1, feed: 1, likes: 1, comments: 1 },
    env: { LOG_LEVEL: 'warn', ACCESS_LOG: 'false', ACCESS_TOKEN_TTL_SECONDS: '7200' },
    joinTimeoutMs: 120_000,
  });
  try {
    return await populate(mesh, graph, emit, seed);
  } catch (e) {
    await mesh.stop();
    throw e;
  }
}

async function populate(mesh: TestMesh, graph: SocialGraph, emit: Emit, seed: number): Promise<World> {
  const url = mesh.edgeUrl;
  const random = seededRandom(seed);
  const timings: Record<string, number> = {};
  let t = performance.now();
  const ids = Array.from({ length: graph.users }, (_, i) => i);
  // Sign-ups and follows go to identity's and graph's own request subjects (each commits its
  // truth with its events, exactly as behind the edge): on a shared 2-core machine the edge's
  // 2 s deadline on a scrypt sign-up turned into retries that hashed twice, and 37,624 follows
  // each with an identity lookup at the edge took longer than the leg may.
  const { nc, mesh: client } = await testClient(mesh.nats.url, 120_000);
  const users = await inParallel(ids, 4, (i) =>
    retried(
      () => client.request(Subjects.identity.signup, { username: username(i), password: 'bench password' }),
      () => client.request(Subjects.identity.login, { username: username(i), password: 'bench password' }),
    ),
  );
  const tokens = users.map((u) => u.token);
  timings.signupSec = since(t);
  t = performance.now();
  const follows = graph.edges.flatMap(([a, b]) => [
    [a, b],
    [b, a],
  ]);
  const summary = (i: number) => ({
    id: users[i].user.id,
    username: users[i].user.username,
    displayName: users[i].user.displayName,
  });
  try {
    await inParallel(follows, 16, ([a, b]) =>
      retried(() => client.request(Subjects.graph.follow, { follower: summary(a), followee: summary(b) })),
    );
  } finally {
    await nc.close();
  }
  timings.followSec = since(t);
  t = performance.now();
  const postsPerUser = ids.map(() => Math.floor(random() * 21));
  const writes = ids.flatMap((i) => Array.from({ length: postsPerUser[i] }, () => i));
  const texts = writes.map(() => dsbText(random, graph.users));
  await inParallel(writes, 16, (i, n) =>
    must(url, 'POST', '/posts', { token: tokens[i], body: { text: texts[n] }, expect: 201 }),
  );
  timings.postSec = since(t);
  t = performance.now();
  const feedSchema = mesh.env.FEED_DB_SCHEMA;
  const followers = degrees(graph);
  const expected = writes.reduce((n, i) => n + followers[i] + 1, 0);
  const feedItems = await feedSettled(feedSchema, expected);
  timings.feedSettleSec = since(t);
  emit({
    bench:
      'dsb setup (sign-ups over identity.signup, follows both ways over graph.follow, 0-20 DSB posts per user over HTTP)',
    graph: graph.source,
    ...degreeSummary(graph),
    posts: writes.length,
    feedItems,
    feedItemsExpected: expected,
    ...timings,
    followsPerSec: round(follows.length / timings.followSec),
    postsPerSec: round(writes.length / timings.postSec),
  });
  const probe = new FeedLagProbe(feedSchema);
  probe.start();
  return { mesh, graph, tokens, followers: degrees(graph), feedSchema, probe };
}

/** Up to 11 pages of a listing, as paths: DSB reads a random one of them. */
async function pagesOf(url: string, path: string, token: string): Promise<string[]> {
  const paths = [path];
  for (let p = 1; p < PAGES; p++) {
    const res = await must(url, 'GET', paths[p - 1], { token, expect: 200 });
    if (!res.body.nextCursor) break;
    paths.push(`${path}&cursor=${res.body.nextCursor}`);
  }
  return paths;
}

/** POST /posts with DSB's text by a random user, tracked for feed lag. */
function composeKind(w: World, weight: number, pickAuthor: (random: () => number) => number): RequestKind {
  const byName = new Map(w.tokens.map((_, i) => [username(i), i]));
  return {
    name: 'compose-post',
    weight,
    request: (random) => {
      const i = pickAuthor(random);
      return {
        method: 'POST',
        path: '/posts',
        headers: { authorization: `Bearer ${w.tokens[i]}` },
        body: { text: dsbText(random, w.graph.users) },
      };
    },
    onAnswer: (status, body) => {
      if (status !== 201) return;
      const post = JSON.parse(body);
      const i = byName.get(post.author.username);
      if (i !== undefined) w.probe.track(String(post.id).toLowerCase(), post.createdAt, w.followers[i] + 1);
    },
  };
}

function legFigures(r: OpenLoopResult): Record<string, unknown> {
  return {
    offeredPerSec: r.offeredRatePerSec,
    achievedPerSec: r.achievedRatePerSec,
    goodputPerSec: r.goodputPerSec,
    goodputRatio: r.total.goodputRatio,
    p50Ms: r.total.p50Ms,
    p90Ms: r.total.p90Ms,
    p99Ms: r.total.p99Ms,
    p999Ms: r.total.p999Ms,
    maxMs: r.total.maxMs,
    errors: r.total.errors,
    maxInFlight: r.maxInFlight,
    generatorSendLagP99Ms: r.sendLagP99Ms,
    kinds: Object.fromEntries(
      Object.entries(r.kinds).map(([k, f]) => [
        k,
        {
          n: f.offered,
          p50Ms: f.p50Ms,
          p90Ms: f.p90Ms,
          p99Ms: f.p99Ms,
          p999Ms: f.p999Ms,
          goodputRatio: f.goodputRatio,
          errors: f.errors,
        },
      ]),
    ),
  };
}

/** DSB's mix open loop at rising rates, until two rates in a row do not serve well. */
async function mixSweep(w: World, emit: Emit, o: { rates: number[]; seconds: number; seed: number }): Promise<void> {
  const url = w.mesh.edgeUrl;
  const random = seededRandom(o.seed);
  const sample = Array.from({ length: CURSOR_SAMPLE }, () => Math.floor(random() * w.graph.users));
  const t = performance.now();
  const home = await inParallel(sample, 8, async (u) => ({
    u,
    pages: await pagesOf(url, '/timeline/home?limit=10', w.tokens[u]),
  }));
  const own = await inParallel(sample, 8, async (u) => ({
    u,
    pages: await pagesOf(url, `/posts?author=${username(u)}&limit=10`, w.tokens[u]),
  }));
  emit({
    bench: 'dsb cursors precomputed',
    users: sample.length,
    homePages: home.reduce((n, h) => n + h.pages.length, 0),
    userTimelinePages: own.reduce((n, h) => n + h.pages.length, 0),
    seconds: since(t),
  });
  const pick = <T>(xs: T[], r: () => number) => xs[Math.floor(r() * xs.length)];
  const kinds: RequestKind[] = [
    {
      name: 'read-home-timeline',
      weight: 60,
      request: (r) => {
        const h = pick(home, r);
        return { path: pick(h.pages, r), headers: { authorization: `Bearer ${w.tokens[h.u]}` } };
      },
    },
    {
      name: 'read-user-timeline',
      weight: 30,
      request: (r) => ({
        path: pick(pick(own, r).pages, r),
        headers: { authorization: `Bearer ${w.tokens[Math.floor(r() * w.tokens.length)]}` },
      }),
    },
    composeKind(w, 10, (r) => Math.floor(r() * w.graph.users)),
  ];
  const sweep = await sweepRates({
    rates: o.rates,
    run: async (rate) => {
      w.probe.reset();
      const r = await runOpenLoop({ baseUrl: url, ratePerSec: rate, seconds: o.seconds, kinds, seed: o.seed + rate });
      const lag = await w.probe.finish(10_000);
      emit({
        bench: `dsb mix open loop at ${rate} req/s (60 % home, 30 % user timeline, 10 % compose)`,
        ...legFigures(r),
        feedLag: lag,
      });
      return r;
    },
  });
  emit({
    bench: 'dsb knee: highest rate with goodput ≥ 95 % of offered (2xx within 500 ms) and p99 < 500 ms',
    kneeRatePerSec: sweep.kneeRatePerSec,
    rates: sweep.legs.map((l) => ({
      rate: l.ratePerSec,
      servesWell: l.servesWell,
      goodputRatio: l.result.total.goodputRatio,
      p99Ms: l.result.total.p99Ms,
    })),
  });
}

/** Posts only, open loop at 200/s by uniformly random authors (so followers as the graph has them). */
async function feedLag(w: World, emit: Emit, o: { seconds: number; seed: number }): Promise<void> {
  w.probe.reset();
  const r = await runOpenLoop({
    baseUrl: w.mesh.edgeUrl,
    ratePerSec: 200,
    seconds: o.seconds,
    seed: o.seed,
    kinds: [composeKind(w, 1, (rnd) => Math.floor(rnd() * w.graph.users))],
  });
  const lag = await w.probe.finish(15_000);
  emit({
    bench: "feed lag at 200 posts/s (open loop; authors uniform over the graph): commit → in every follower's feed",
    ...lag,
    posting: legFigures(r),
    target: { p99Ms: 1000 },
    meetsTarget: lag.unfinished === 0 && lag.p99Ms <= 1000 && r.total.goodputRatio >= 0.95,
  });
}

/** An author with 10,000 followers posts 5 times while the others post at 200/s. */
async function celebrity(w: World, emit: Emit, o: { seconds: number; seed: number }): Promise<void> {
  const url = w.mesh.edgeUrl;
  const star = await signUp(url, 'celebrity');
  const starToken = star.token;
  const followee = { id: star.user.id, username: 'celebrity', displayName: star.user.displayName ?? 'celebrity' };
  // 10,000 followers through graph's own request subject (graph commits each follow with its
  // event): the followers are graph-only users, which is all feed's fan-out needs.
  const { nc, mesh } = await testClient(w.mesh.nats.url, 10_000);
  let t = performance.now();
  try {
    await inParallel(
      Array.from({ length: FANS }, (_, i) => i),
      16,
      (i) => {
        const follower = { id: randomUUID(), username: `fan_${i}`, displayName: `fan ${i}` };
        return retried(() => mesh.request(Subjects.graph.follow, { follower, followee }));
      },
    );
  } finally {
    await nc.close();
  }
  const followSec = since(t);
  t = performance.now();
  for (let tries = 0; ; tries++) {
    const [{ n }] = await sql<{ n: string }>(
      `SELECT count(*) AS n FROM "${w.feedSchema}".follow_edge WHERE author_id = $1 AND following`,
      [followee.id],
    );
    if (Number(n) >= FANS) break;
    if (tries > 1200) {
      emit({ bench: `celebrity: feed saw only ${n} of ${FANS} follows within 120 s; leg skipped`, followSec });
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  emit({
    bench: `celebrity setup: ${FANS} follows over NATS (graph.follow, 16 in flight), then in feed's projection`,
    followSec,
    followsPerSec: round(FANS / followSec),
    feedProjectionSec: since(t),
  });

  w.probe.reset();
  const starPosts: string[] = [];
  const others = runOpenLoop({
    baseUrl: url,
    ratePerSec: 200,
    seconds: o.seconds,
    seed: o.seed,
    kinds: [composeKind(w, 1, (rnd) => Math.floor(rnd() * w.graph.users))],
  });
  const gap = (o.seconds * 1000) / 6;
  for (let k = 1; k <= 5; k++) {
    await new Promise((r) => setTimeout(r, gap));
    const res = await must(url, 'POST', '/posts', {
      token: starToken,
      body: { text: `celebrity post ${k}` },
      expect: 201,
    });
    const id = String(res.body.id).toLowerCase();
    starPosts.push(id);
    w.probe.track(id, res.body.createdAt, FANS + 1);
  }
  const r = await others;
  await w.probe.finish(30_000);
  const isStar = (id: string) => starPosts.includes(id);
  const fanOut = w.probe.figures(isStar);
  const rest = w.probe.figures((id) => !isStar(id));
  emit({
    bench: `an author with ${FANS} followers posts 5 times while others post at 200/s: its fan-out, and the others' lag meanwhile`,
    celebrityFanOutMs: starPosts.map((id) => w.probe.lagOf(id) ?? null),
    celebrityFanOut: fanOut,
    othersLag: rest,
    posting: legFigures(r),
    target: { othersP99Ms: 1000 },
    meetsTarget: rest.unfinished === 0 && rest.p99Ms <= 1000,
  });
}

export async function dsbBench(o: {
  graph: SocialGraph;
  emit: Emit;
  rates: number[];
  seconds: number;
  mix: boolean;
  lag: boolean;
}): Promise<void> {
  const started = performance.now();
  const w = await setUp(o.graph, o.emit, 7);
  try {
    // The lag legs first: the sweep's overloaded rates leave feed a backlog that later legs
    // would otherwise measure (seen on 2026-12-02: the lag leg after the sweep found none done).
    if (o.lag) {
      await feedLag(w, o.emit, { seconds: o.seconds, seed: 13 });
      await celebrity(w, o.emit, { seconds: o.seconds, seed: 17 });
    }
    if (o.mix) await mixSweep(w, o.emit, { rates: o.rates, seconds: o.seconds, seed: 11 });
  } finally {
    await w.probe.stop();
    await w.mesh.stop();
    o.emit({ bench: 'dsb total', seconds: since(started) });
  }
}
