// The home feed against the global timeline, closed loop like the stitched leg: a reader who
// follows 40 authors with posts reads GET /timeline/home?limit=20 (from feed) and GET
// /posts?limit=20 (from posts); then feed's replicas are stopped (SIGTERM to their pids) and the
// same home page is built at read time from graph and posts.
import { http, scaleToZero, startTestMesh } from '#testing';
import { httpLoad } from './http-load.js';
import { inParallel, must, signUp } from './in-parallel.js';
import { closedLoopEnv, round, round3 } from './measure.js';

const AUTHORS = 40;
const POSTS_PER_AUTHOR = 10;
const READERS = 8;

export async function socialBench(o: {
  seconds: number;
  connections: number;
  emit: (line: Record<string, unknown>) => void;
}): Promise<void> {
  const mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, graph: 1, feed: 1, likes: 1, comments: 1 },
    env: { LOG_LEVEL: 'warn', ACCESS_LOG: 'false', ...closedLoopEnv(o.connections) },
    joinTimeoutMs: 120_000,
  });
  try {
    const url = mesh.edgeUrl;
    const authors = await inParallel(
      Array.from({ length: AUTHORS }, (_, i) => `home_author_${i}`),
      8,
      async (u) => (await signUp(url, u)).token,
    );
    const readers = await inParallel(
      Array.from({ length: READERS }, (_, i) => `home_reader_${i}`),
      8,
      async (u) => (await signUp(url, u)).token,
    );
    await inParallel(authors, 8, async (token, a) => {
      for (let p = 0; p < POSTS_PER_AUTHOR; p++)
        await must(url, 'POST', '/posts', { token, body: { text: `author ${a} post ${p}` }, expect: 201 });
    });
    const follows = readers.flatMap((token) => authors.map((_, a) => ({ token, a })));
    await inParallel(follows, 16, ({ token, a }) =>
      must(url, 'PUT', `/users/home_author_${a}/follow`, { token, expect: 204 }),
    );
    // Every reader's page is full (20 of the 40 authors' 400 posts) before anything is measured.
    for (const token of readers) {
      for (let tries = 0; ; tries++) {
        const page = await http(url, 'GET', '/timeline/home?limit=20', { token });
        if (page.status === 200 && page.body.items.length === 20 && page.body.degraded.length === 0) break;
        if (tries > 200)
          throw new Error(`home feed never filled: ${page.status} ${JSON.stringify(page.body).slice(0, 300)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const as = (path: string) => readers.map((t) => ({ path, headers: { authorization: `Bearer ${t}` } }));
    const home = as('/timeline/home?limit=20');
    const global = as('/posts?limit=20');
    const load = (targets: typeof home) => httpLoad({ url, targets, connections: o.connections, seconds: o.seconds });
    await load(home);
    await load(global); // warm-up of both paths
    // In turn (global, home, global, home): the machine's load moves, each pair sees the same.
    const runs = { global: [] as Awaited<ReturnType<typeof load>>[], home: [] as Awaited<ReturnType<typeof load>>[] };
    for (const leg of ['global', 'home', 'global', 'home'] as const)
      runs[leg].push(await load(leg === 'home' ? home : global));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const reqPerSec = (leg: 'home' | 'global') => mean(runs[leg].map((r) => r.reqPerSec));
    const p50 = (leg: 'home' | 'global') => mean(runs[leg].map((r) => r.p50Ms));
    const non2xx = [...runs.home, ...runs.global].reduce((n, r) => n + r.non2xx + r.errors, 0);
    o.emit({
      bench: `GET /timeline/home?limit=20 (feed; following ${AUTHORS} authors) against GET /posts?limit=20 (global), ${o.connections} connections`,
      homeReqPerSec: round(reqPerSec('home')),
      globalReqPerSec: round(reqPerSec('global')),
      homeP50Ms: round(p50('home')),
      globalP50Ms: round(p50('global')),
      homeP99Ms: round(mean(runs.home.map((r) => r.p99Ms))),
      globalP99Ms: round(mean(runs.global.map((r) => r.p99Ms))),
      runs: { home: runs.home.map((r) => r.reqPerSec), global: runs.global.map((r) => r.reqPerSec) },
      non2xx,
      ratio: round3(reqPerSec('home') / reqPerSec('global')),
      target: { ratio: 0.8 },
      meetsTarget: non2xx === 0 && reqPerSec('home') / reqPerSec('global') >= 0.8,
    });

    // feed down: a real SIGTERM to each of its replicas; the page is then built from graph and posts.
    await scaleToZero(mesh, 'feed');
    const probe = await http(url, 'GET', '/timeline/home?limit=20', { token: readers[0] });
    if (probe.status !== 200 || JSON.stringify(probe.body.degraded) !== '["feed"]' || probe.body.items.length !== 20) {
      throw new Error(
        `feed down: expected a degraded page of 20, got ${probe.status} ${JSON.stringify(probe.body).slice(0, 300)}`,
      );
    }
    await load(home);
    const fallback = [await load(home), await load(home)];
    const fallbackP50 = mean(fallback.map((r) => r.p50Ms));
    const fallbackNon2xx = fallback.reduce((n, r) => n + r.non2xx + r.errors, 0);
    o.emit({
      bench: `GET /timeline/home?limit=20 with feed down (built at read time from graph + posts, degraded [feed]) against healthy`,
      reqPerSec: round(mean(fallback.map((r) => r.reqPerSec))),
      p50Ms: round(fallbackP50),
      p99Ms: round(mean(fallback.map((r) => r.p99Ms))),
      healthyReqPerSec: round(reqPerSec('home')),
      healthyP50Ms: round(p50('home')),
      non2xx: fallbackNon2xx,
      reqPerSecRatioToHealthy: round3(mean(fallback.map((r) => r.reqPerSec)) / reqPerSec('home')),
      p50RatioToHealthy: round(fallbackP50 / p50('home')),
      target: { p50RatioToHealthy: 2 },
      meetsTarget: fallbackNon2xx === 0 && fallbackP50 / p50('home') <= 2,
    });
  } finally {
    await mesh.stop();
  }
}
