// `npm run bench`: one JSON line per figure, each beside floors measured in the same run on the
// same machine (the machine is shared and noisy: ratios mean something, absolute numbers less).
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import sharp from 'sharp';
import {
  dropSchemas,
  freePort,
  freshSchema,
  http,
  rssMb,
  sql,
  startNatsServer,
  startTestMesh,
  TEST_DATABASE_URL,
  type TestMesh,
} from '#testing';
import { httpLoad } from './http-load.js';
import { closedLoopEnv, measureLoop, round, round3, type Figures } from './measure.js';
import { eventsBench } from './events.js';
import { socialBench } from './social.js';
import { notificationsBench } from './notifications.js';
import { dsbBench } from './dsb.js';
import { readEdges, seededGraph } from './dsb-graph.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/**
 * `npm run bench -- dsb feed-lag` or BENCH_ONLY=stitched,uploads runs only those groups (after
 * the floors); all when neither names any. `--graph FILE`: the dsb graph's edges file.
 */
const GROUPS = [
  'posts-only',
  'stitched',
  'limits',
  'uploads',
  'events',
  'scaling',
  'social',
  'dsb',
  'feed-lag',
  'notifications',
] as const;
const args = parseArgs({ allowPositionals: true, options: { graph: { type: 'string' } } });
const only = (args.positionals.length ? args.positionals.join(',') : (process.env.BENCH_ONLY ?? GROUPS.join(',')))
  .split(',')
  .map((g) => g.trim());
/** Seconds per open-loop rate of the dsb legs, and the rates of its sweep. */
const DSB_SECONDS = Number(process.env.BENCH_DSB_SECONDS ?? 20);
/** Users of the seeded graph (mean degree 39 whatever the size): fewer for a short run on a busy machine. */
const DSB_USERS = Number(process.env.BENCH_DSB_USERS ?? 962);
const DSB_RATES = (process.env.BENCH_DSB_RATES ?? '50,100,200,300,400,600,800').split(',').map(Number);
for (const g of only) {
  if (!(GROUPS as readonly string[]).includes(g))
    throw new Error(`BENCH_ONLY: unknown group ${g} (${GROUPS.join(', ')})`);
}
const wanted = (g: (typeof GROUPS)[number]) => only.includes(g);
const CONCURRENCY = 64;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function forkReady(script: string, args: string[]): Promise<ChildProcess> {
  const child = fork(here(script), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return child;
}

async function bareHttpFloor(): Promise<Figures> {
  const port = await freePort();
  const server = await forkReady('./floors/bare-http-server.js', [String(port)]);
  try {
    return await httpLoad({
      url: `http://127.0.0.1:${port}`,
      targets: ['/'],
      connections: CONCURRENCY,
      seconds: SECONDS,
    });
  } finally {
    server.kill('SIGKILL');
  }
}

async function natsFloor(url: string): Promise<Figures> {
  const responder = await forkReady('./floors/nats-responder.js', [url]);
  const nc = await connect({ servers: url, noAsyncTraces: true });
  try {
    const body = JSON.stringify({ id: 'x', pattern: 'bench.floor', data: { id: 'x' } });
    return await measureLoop(() => nc.request('bench.floor', body, { timeout: 2000 }), {
      concurrency: CONCURRENCY,
      seconds: SECONDS,
    });
  } finally {
    await nc.close();
    responder.kill('SIGKILL');
  }
}

async function pgFloor(): Promise<Figures> {
  const schema = freshSchema('bench');
  await sql(`CREATE SCHEMA "${schema}"`);
  await sql(
    `CREATE TABLE "${schema}".t (id uuid PRIMARY KEY, text text NOT NULL, created_at timestamptz(3) NOT NULL DEFAULT now())`,
  );
  await sql(
    `INSERT INTO "${schema}".t (id, text) SELECT gen_random_uuid(), 'row ' || g FROM generate_series(1, 1000) g`,
  );
  const ids = (await sql<{ id: string }>(`SELECT id FROM "${schema}".t`)).map((r) => r.id);
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 10 });
  let i = 0;
  try {
    return await measureLoop(() => pool.query(`SELECT * FROM "${schema}".t WHERE id = $1`, [ids[i++ % ids.length]]), {
      concurrency: CONCURRENCY,
      seconds: SECONDS,
    });
  } finally {
    await pool.end();
    await dropSchemas(schema);
  }
}

async function seedPosts(url: string, token: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++)
    ids.push((await http(url, 'POST', '/posts', { token, body: { text: `bench post ${i}` } })).body.id);
  return ids;
}

/** Sums of the edge's degraded-answer and retry counters (from /metrics on its admin listener), to diff around a run. */
async function edgeCounters(adminUrl: string): Promise<{ degraded: number; retries: number }> {
  const text = (await http(adminUrl, 'GET', '/metrics')).body as string;
  const sum = (name: string) =>
    [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
  return { degraded: sum('degraded_answers_total'), retries: sum('nats_retries_total') };
}

/** A load run with the degraded answers and retries it caused, so overload cannot hide. */
async function loadCounted(
  adminUrl: string,
  o: Parameters<typeof httpLoad>[0],
): Promise<Awaited<ReturnType<typeof httpLoad>> & { degradedAnswers: number; retries: number }> {
  const before = await edgeCounters(adminUrl);
  const figures = await httpLoad(o);
  const after = await edgeCounters(adminUrl);
  return { ...figures, degradedAnswers: after.degraded - before.degraded, retries: after.retries - before.retries };
}

function restingRss(mesh: TestMesh, label: string): void {
  const processes = [...mesh.edges, ...[...mesh.replicas.values()].flat()];
  const rss = Object.fromEntries(processes.map((p) => [p.app, rssMb(p.pid)]));
  emit({
    bench: `RSS at rest after load, MB (${label})`,
    ...rss,
    target: 150,
    meetsTarget: Object.values(rss).every((v) => Number(v) < 150),
  });
}

/** The foundation's figure: one NATS hop and one query (identity and posts only). */
async function postsOnly(bareHttp: number): Promise<void> {
  // Quiet logs: an access-log line per request would measure stdout, not the mesh.
  const mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1 },
    env: { LOG_LEVEL: 'warn', ...closedLoopEnv(CONCURRENCY) },
  });
  try {
    const url = mesh.edgeUrl;
    const { token } = (
      await http(url, 'POST', '/auth/signup', { body: { username: 'bench_user', password: 'bench password' } })
    ).body;
    const targets = (await seedPosts(url, token, 200)).map((id) => `/posts/${id}`);
    await httpLoad({ url, targets, connections: CONCURRENCY, seconds: 2 }); // warm-up (JIT, pools)
    const edge = await httpLoad({ url, targets, connections: CONCURRENCY, seconds: SECONDS });
    emit({
      bench: 'GET /posts/:id, posts only (1 NATS hop, 1 query; likes and comments not running)',
      ...edge,
      ratioToBareHttp: round3(edge.reqPerSec / bareHttp),
      target: { ratioToBareHttp: 0.12, p99Ms: 50 },
      meetsTarget: edge.reqPerSec / bareHttp >= 0.12 && edge.p99Ms < 50,
    });
    await new Promise((r) => setTimeout(r, 3000));
    restingRss(mesh, 'posts only');
  } finally {
    await mesh.stop();
  }
}

/**
 * What the rate limits cost: the stitched read at 64 connections on two edges of one mesh, one
 * with limits on and one with RATE_LIMITS=off, in turn (off, on, off, on: the machine's load
 * moves), signed in (the interceptor looks and lets it by) and anonymous (every request spends
 * the anonymous-read budget of one IP, set too large to refuse any).
 */
async function limitsCost(): Promise<void> {
  const mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, comments: 1, likes: 1 },
    rateLimits: true,
    env: {
      LOG_LEVEL: 'warn',
      RATE_LIMIT_READS_ANONYMOUS: '100000000/1m',
      RATE_LIMIT_POSTS_CREATE: '100000/1m',
      ...closedLoopEnv(CONCURRENCY),
    },
  });
  try {
    const on = mesh.edgeUrl;
    const off = (await mesh.addEdge({ RATE_LIMITS: 'off' })).url;
    const signup = await http(on, 'POST', '/auth/signup', {
      body: { username: 'bench_l', password: 'bench password' },
    });
    const token = signup.body.token as string;
    const ids = await seedPosts(on, token, 100);
    const legs: Array<[string, Record<string, string>]> = [
      ['signed in', { authorization: `Bearer ${token}` }],
      ['anonymous', {}],
    ];
    for (const [label, headers] of legs) {
      const targets = ids.map((id) => ({ path: `/posts/${id}`, headers }));
      const runs: Record<'on' | 'off', number[]> = { on: [], off: [] };
      for (const url of [off, on, off, on]) {
        await httpLoad({ url, targets, connections: CONCURRENCY, seconds: 2 });
        const f = await httpLoad({ url, targets, connections: CONCURRENCY, seconds: SECONDS });
        if (f.non2xx > 0) throw new Error(`limits bench: ${f.non2xx} answers were not 2xx at ${url}`);
        runs[url === on ? 'on' : 'off'].push(f.reqPerSec);
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      emit({
        bench: `GET /posts/:id stitched at ${CONCURRENCY} connections, rate limits on vs off (${label})`,
        reqPerSecOff: round(mean(runs.off)),
        reqPerSecOn: round(mean(runs.on)),
        runs,
        ratio: round3(mean(runs.on) / mean(runs.off)),
        target: { ratio: 0.95 },
        meetsTarget: mean(runs.on) / mean(runs.off) >= 0.95,
      });
    }
  } finally {
    await mesh.stop();
  }
}

/** Posts stitched from posts, likes and comments; a page of 20; likes written. */
async function stitched(bareHttp: number): Promise<void> {
  const mesh = await startTestMesh({
    replicas: { identity: 1, posts: 1, comments: 1, likes: 1 },
    env: { LOG_LEVEL: 'warn', ...closedLoopEnv(CONCURRENCY) },
  });
  try {
    const url = mesh.edgeUrl;
    const users: string[] = [];
    for (let u = 0; u < 8; u++) {
      users.push(
        (await http(url, 'POST', '/auth/signup', { body: { username: `bench_${u}`, password: 'bench password' } })).body
          .token,
      );
    }
    const ids = await seedPosts(url, users[0], 200);
    for (const id of ids.slice(0, 50)) {
      await http(url, 'PUT', `/posts/${id}/like`, { token: users[1] });
      await http(url, 'POST', `/posts/${id}/comments`, { token: users[2], body: { text: 'a comment' } });
    }
    const one = ids.map((id, i) => ({
      path: `/posts/${id}`,
      headers: { authorization: `Bearer ${users[i % users.length]}` },
    }));
    await httpLoad({ url, targets: one, connections: CONCURRENCY, seconds: 2 });
    const single = await loadCounted(mesh.adminUrl, { url, targets: one, connections: CONCURRENCY, seconds: SECONDS });
    emit({
      bench: 'GET /posts/:id stitched (posts + likes + comments: 3 NATS hops, 3 queries; signed in)',
      ...single,
      ratioToBareHttp: round3(single.reqPerSec / bareHttp),
      target: { ratioToBareHttp: 0.06 },
      meetsTarget: single.reqPerSec / bareHttp >= 0.06,
    });
    const pages = users.map((t) => ({ path: '/posts?limit=20', headers: { authorization: `Bearer ${t}` } }));
    const page = await loadCounted(mesh.adminUrl, { url, targets: pages, connections: CONCURRENCY, seconds: SECONDS });
    emit({
      bench: 'GET /posts?limit=20 with counts (1 page = 3 NATS requests)',
      ...page,
      ratioToSinglePost: round(page.reqPerSec / single.reqPerSec),
      target: { ratioToSinglePost: 0.5 },
      meetsTarget: page.reqPerSec / single.reqPerSec >= 0.5,
    });
    const likes = ids.flatMap((id) =>
      users.map((t) => ({ path: `/posts/${id}/like`, headers: { authorization: `Bearer ${t}` } })),
    );
    const like = await httpLoad({ url, targets: likes, method: 'PUT', connections: CONCURRENCY, seconds: SECONDS });
    emit({
      bench: `PUT /posts/:id/like (${likes.length} distinct user×post pairs in turn: first likes, then idempotent repeats)`,
      ...like,
      ratioToBareHttp: round(like.reqPerSec / bareHttp),
    });
    await new Promise((r) => setTimeout(r, 3000));
    restingRss(mesh, 'posts + likes + comments');

    // The same reads with likes gone (its replica drained away): a degraded answer should cost
    // about what a healthy one costs. Measured right after the healthy figure, same targets.
    const [likesReplica] = mesh.replicas.get('likes')!;
    likesReplica.kill('SIGTERM');
    await likesReplica.exited;
    await httpLoad({ url, targets: one, connections: CONCURRENCY, seconds: 2 });
    const probe = await http(url, 'GET', one[0].path, { headers: one[0].headers });
    if (probe.status !== 200 || !probe.body.degraded.includes('likes')) {
      throw new Error(`expected a degraded answer, got ${probe.status} ${JSON.stringify(probe.body)}`);
    }
    const degraded = await loadCounted(mesh.adminUrl, {
      url,
      targets: one,
      connections: CONCURRENCY,
      seconds: SECONDS,
    });
    emit({
      bench: 'GET /posts/:id degraded (likes down: likeCount null, degraded [likes]) against healthy',
      ...degraded,
      healthyP99Ms: single.p99Ms,
      p99RatioToHealthy: round(degraded.p99Ms / single.p99Ms),
      target: { p99RatioToHealthy: 1.5 },
      meetsTarget: degraded.non2xx === 0 && degraded.p99Ms / single.p99Ms <= 1.5,
    });
  } finally {
    await mesh.stop();
  }
}

/** GET /posts/:id (posts only) on a fresh mesh: req/s and p99 for the scaling and permissions figures. */
async function postsOnlyFigures(o: {
  postsReplicas: number;
  auth?: boolean;
  env?: Record<string, string>;
}): Promise<Awaited<ReturnType<typeof httpLoad>>> {
  const mesh = await startTestMesh({
    replicas: { identity: 1, posts: o.postsReplicas },
    env: { LOG_LEVEL: 'warn', ACCESS_LOG: 'false', ...closedLoopEnv(CONCURRENCY), ...o.env },
    auth: o.auth,
  });
  try {
    const url = mesh.edgeUrl;
    const { token } = (
      await http(url, 'POST', '/auth/signup', { body: { username: 'bench_scale', password: 'bench password' } })
    ).body;
    const targets = (await seedPosts(url, token, 100)).map((id) => `/posts/${id}`);
    await httpLoad({ url, targets, connections: CONCURRENCY, seconds: 2 });
    return await httpLoad({ url, targets, connections: CONCURRENCY, seconds: SECONDS });
  } finally {
    await mesh.stop();
  }
}

/** Replicas of posts 1, 2, 3 on this machine; then the same with per-app NATS permissions on. */
async function scalingAndPermissions(bareHttp: number): Promise<void> {
  let one = 0;
  for (const n of [1, 2, 3]) {
    const f = await postsOnlyFigures({ postsReplicas: n });
    if (n === 1) one = f.reqPerSec;
    emit({
      bench: `GET /posts/:id with ${n} posts replica(s) (posts only; ${cpus().length} cores shared by everything)`,
      ...f,
      ratioToBareHttp: round(f.reqPerSec / bareHttp),
      ratioToOneReplica: round(f.reqPerSec / one),
    });
  }
  const open = await postsOnlyFigures({ postsReplicas: 1 });
  const locked = await postsOnlyFigures({ postsReplicas: 1, auth: true });
  emit({
    bench: 'GET /posts/:id with per-app NATS users and permissions against without (1 posts replica)',
    ...locked,
    withoutPermissionsReqPerSec: open.reqPerSec,
    ratioToWithout: round(locked.reqPerSec / open.reqPerSec),
    note: 'permissions are checked by nats-server once per subject and cached; expect ~1.0 within noise',
  });

  // Tracing on: every span exported over OTLP/HTTP to a collector that accepts and drops them.
  const collector = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => collector.listen(port, '127.0.0.1', resolve));
  try {
    const traced = await postsOnlyFigures({
      postsReplicas: 1,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
    });
    emit({
      bench: 'GET /posts/:id with tracing on (OTLP/HTTP export of every span) against off (1 posts replica)',
      ...traced,
      tracingOffReqPerSec: open.reqPerSec,
      ratioToOff: round(traced.reqPerSec / open.reqPerSec),
    });
  } finally {
    collector.close();
  }
}

/** A noisy JPEG of about 1 MB (noise compresses badly, like a photo). */
async function oneMegabyteJpeg(): Promise<Buffer> {
  const width = 1500;
  const height = 1150;
  const raw = Buffer.alloc(width * height * 3);
  let x = 7;
  for (let i = 0; i < raw.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    raw[i] = x & 0xff;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 75 })
    .toBuffer();
}

/** Uploads of a 1 MB image through the edge, with the edge's peak RSS sampled meanwhile. */
async function uploads(): Promise<void> {
  const mesh = await startTestMesh({
    replicas: { identity: 1, media: 1 },
    env: { LOG_LEVEL: 'warn', ...closedLoopEnv(CONCURRENCY) },
  });
  try {
    const url = mesh.edgeUrl;
    const { token } = (
      await http(url, 'POST', '/auth/signup', { body: { username: 'bench_up', password: 'bench password' } })
    ).body;
    const jpeg = await oneMegabyteJpeg();
    const edgePid = mesh.edges[0].pid;
    let peak = rssMb(edgePid);
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(edgePid))), 50);
    const send = async () => {
      const form = new FormData();
      form.append('file', new Blob([jpeg]), 'photo.jpg');
      const res = await fetch(`${url}/media`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`upload answered ${res.status}`);
    };
    const figures = await measureLoop(send, { concurrency: 8, seconds: SECONDS });
    clearInterval(sampler);
    emit({
      bench: `POST /media, a ${round(jpeg.length / 1e6)} MB JPEG (8 uploads in flight; media decodes and thumbnails each)`,
      ...figures,
      edgePeakRssMb: peak,
    });
  } finally {
    await mesh.stop();
  }
}

async function main(): Promise<void> {
  emit({
    bench: 'machine',
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    node: process.version,
    date: new Date().toISOString(),
    secondsPerFigure: SECONDS,
    concurrency: CONCURRENCY,
  });
  const nats = await startNatsServer();
  try {
    const http0 = await bareHttpFloor();
    emit({ bench: 'floor: bare node:http JSON', ...http0 });
    const nats0 = await natsFloor(nats.url);
    emit({ bench: 'floor: raw NATS request-reply', ...nats0 });
    const pg0 = await pgFloor();
    emit({ bench: 'floor: pg primary-key SELECT (pool of 10)', ...pg0 });

    if (wanted('posts-only')) await postsOnly(http0.reqPerSec);
    if (wanted('stitched')) await stitched(http0.reqPerSec);
    if (wanted('limits')) await limitsCost();
    if (wanted('uploads')) await uploads();
    if (wanted('events')) await eventsBench({ seconds: SECONDS, emit });
    if (wanted('scaling')) await scalingAndPermissions(http0.reqPerSec);
    if (wanted('social')) await socialBench({ seconds: SECONDS, connections: CONCURRENCY, emit });
    if (wanted('notifications'))
      await notificationsBench({
        seconds: SECONDS,
        connections: CONCURRENCY,
        bareHttpReqPerSec: http0.reqPerSec,
        emit,
      });
    if (wanted('dsb') || wanted('feed-lag')) {
      const graph = args.values.graph ? readEdges(args.values.graph) : seededGraph(98, DSB_USERS);
      emit({ bench: 'dsb graph', source: graph.source });
      await dsbBench({
        graph,
        emit,
        rates: DSB_RATES,
        seconds: DSB_SECONDS,
        mix: wanted('dsb'),
        lag: wanted('feed-lag') || wanted('dsb'),
      });
    }
  } finally {
    await nats.stop();
  }
}

await main();
