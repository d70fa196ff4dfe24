// The overload drill (`npm run chaos -- --overload`): a private mesh with the overload mechanisms
// on, its knee found by an open-loop sweep of the read-heavy mix beside an idle mesh with
// OVERLOAD_PROTECTION=false; then a fresh mesh with the mechanisms in place of the sweep's, both
// up to the end (each arm measured beside the other, idle or taking turns). Below the knee (0.5×, 1×)
// they take turns in short slices, so that what the machine does meanwhile (a checkpoint, a
// neighbour's burst) weighs on both arms alike: what the mechanisms cost is a ratio of two small
// figures, and two runs one after the other differ by more than it. Then each arm in turn, the
// other idle beside it: 2× and 4× the knee, a spike to 4× from 0.5×, and one likes replica of
// three frozen in 1 s bursts.
// Every mesh has fresh schemas, seeded alike and warmed up alike. Whatever happens, every process
// ends and the database is dropped.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, setPriority } from 'node:os';
import { kneeOf, runOpenLoop, type ArrivalOutcome, type RequestKind } from '#loadgen';
import {
  createPosts,
  follow,
  http,
  rssMb,
  signup,
  sql,
  startTestMesh,
  type DrillAccount,
  type TestMesh,
} from '#testing';
import {
  GOODPUT_MS,
  amplification,
  attemptsBetween,
  attemptsIn,
  recoveryS,
  stepFigures,
  windows,
  type Arrival,
  type Attempts,
} from './overload-figures.js';
import type {
  ArmName,
  OverloadArm,
  OverloadReport,
  OverloadStep,
  ReplicaShare,
  SlowReplicaFigures,
  SpikeFigures,
  SweepFigure,
} from './overload-model.js';
import { judge } from './overload-criteria.js';

export const OVERLOAD_REPLICAS = { identity: 1, posts: 2, comments: 1, likes: 3, media: 1, graph: 1, feed: 1 };
/** The service one replica of which is made slow, among its three. */
const SLOW_SERVICE = 'likes';
const MULTIPLES = [0.5, 1, 2, 4];
/** The steps below the knee, where the arms take turns (see measureInterleaved). */
const INTERLEAVED = new Set([0.5, 1]);
/**
 * Each turn's first second is not counted: a mesh left idle through the other's turn starts
 * cold (its pools' idle connections closed after 10 s, the generator's keep-alive sockets after
 * 4 s). Measured at 108/s in 5 s turns: p99 331 / 238 ms (on / off) in turns' first second
 * against 128 / 76 ms in the rest — the turn-taking's cost, not the mechanisms'.
 */
const TURN_WARMUP_S = 1;
/**
 * The frozen replica is judged below the knee, beside the healthy step at the same rate: at the
 * knee itself, a third of likes frozen half the time is a mesh past its capacity, and the brownout
 * that answers it (as it should) would be counted against routing around one replica.
 */
const SLOW_MULTIPLE = 0.5;
const READERS = 20;
const AUTHORS = 8;
const POSTS_PER_AUTHOR = 12;

interface Plan {
  sweep: { fromPerSec: number; factor: number; seconds: number; maxLegs: number };
  stepS: number;
  /** Below the knee each arm's step is this many slices of stepS / slices, the arms taking turns. */
  slices: number;
  spike: { lowS: number; highS: number; afterS: number };
  slowS: number;
}

const FULL: Plan = {
  sweep: { fromPerSec: 40, factor: 1.4, seconds: 10, maxLegs: 12 },
  stepS: 30,
  slices: 6,
  spike: { lowS: 10, highS: 10, afterS: 20 },
  slowS: 30,
};
const SHORT: Plan = {
  sweep: { fromPerSec: 40, factor: 1.6, seconds: 4, maxLegs: 9 },
  stepS: 6,
  slices: 2,
  spike: { lowS: 4, highS: 4, afterS: 8 },
  slowS: 8,
};

/** The read-heavy mix: three stitched reads (the route's own part critical, the extras degradable), 10 % writes. */
export const OVERLOAD_MIX = [
  { name: 'global-page', weight: 45 },
  { name: 'home-page', weight: 30 },
  { name: 'post', weight: 15 },
  { name: 'like', weight: 5 },
  { name: 'compose', weight: 5 },
];

interface World {
  readers: DrillAccount[];
  postIds: string[];
}

function kinds(w: World): RequestKind[] {
  const pick = <T>(xs: T[], r: () => number) => xs[Math.floor(r() * xs.length)];
  const auth = (r: () => number) => ({ authorization: `Bearer ${pick(w.readers, r).token}` });
  const requests: Record<string, RequestKind['request']> = {
    'global-page': (r) => ({ path: '/posts?limit=20', headers: auth(r) }),
    'home-page': (r) => ({ path: '/timeline/home?limit=20', headers: auth(r) }),
    post: (r) => ({ path: `/posts/${pick(w.postIds, r)}`, headers: auth(r) }),
    like: (r) => ({ method: 'PUT', path: `/posts/${pick(w.postIds, r)}/like`, headers: auth(r) }),
    compose: (r) => ({
      method: 'POST',
      path: '/posts',
      headers: auth(r),
      body: { text: `under load ${Math.floor(r() * 1e9)}` },
    }),
  };
  return OVERLOAD_MIX.map((k) => ({ ...k, request: requests[k.name] }));
}

/** The mix's reads: what hedging may ask twice, and what the slow-replica criterion judges. */
const READS = new Set(['global-page', 'home-page', 'post']);
const readP99 = (arrivals: Arrival[]) =>
  stepFigures(
    arrivals.filter((a) => READS.has(a.kind ?? '')),
    1,
  ).p99Ms;

const DEGRADED = /"degraded":\[("[^\]]*)\]/g;

function arrivalOf(o: ArrivalOutcome): Arrival {
  const ok = typeof o.outcome === 'number' && o.outcome >= 200 && o.outcome < 300;
  const services = new Set<string>();
  if (ok)
    for (const m of o.body.matchAll(DEGRADED)) for (const s of JSON.parse(`[${m[1]}]`) as string[]) services.add(s);
  return {
    kind: o.kind,
    intendedMs: o.intendedMs,
    latencyMs: o.latencyMs,
    outcome: o.outcome,
    degraded: services.size > 0,
    degradedServices: [...services],
    retryAfter: o.headers['retry-after'] !== undefined,
  };
}

async function edgeMetrics(mesh: TestMesh): Promise<string> {
  return (await fetch(`${mesh.adminUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
}

interface Measured {
  arrivals: Arrival[];
  /** Seconds the load ran, and the generator's own lateness (p99 ms). */
  seconds: number;
  sendLagP99Ms: number;
  /** The edge's NATS counters around it (a turn's warm-up second included: amplification is a ratio). */
  attempts: Attempts;
}

async function measure(
  mesh: TestMesh,
  w: World,
  o: { ratePerSec: number; seconds: number; seed: number; phases?: Array<{ ratePerSec: number; seconds: number }> },
): Promise<Measured> {
  const arrivals: Arrival[] = [];
  const before = attemptsIn(await edgeMetrics(mesh));
  const result = await runOpenLoop({
    baseUrl: mesh.edgeUrl,
    ratePerSec: o.ratePerSec,
    seconds: o.seconds,
    phases: o.phases,
    seed: o.seed,
    kinds: kinds(w),
    // Past the read deadline every answer is late anyway; 5 s is a timeout, not a wait.
    timeoutMs: 5000,
    maxInFlight: 1024,
    onOutcome: (a) => arrivals.push(arrivalOf(a)),
  });
  const attempts = attemptsBetween(before, attemptsIn(await edgeMetrics(mesh)));
  return {
    arrivals,
    seconds: result.seconds,
    sendLagP99Ms: result.sendLagP99Ms,
    attempts,
  };
}

/** One arm's mesh, seeded and warmed up. */
interface ArmMesh {
  arm: ArmName;
  mesh: TestMesh;
  world: World;
}

/**
 * The same step on every arm's mesh, in `slices` turns each: A B B A A B… (each arm first as
 * often as second), each turn `seconds / slices` long after TURN_WARMUP_S more that is not
 * counted. A turn's answers still in flight when the next begins overlap it by their latency —
 * milliseconds below the knee.
 */
async function measureInterleaved(
  arms: readonly ArmMesh[],
  o: { ratePerSec: number; seconds: number; slices: number; seed: number },
): Promise<Map<ArmName, Measured>> {
  const parts = new Map<ArmName, Measured[]>(arms.map((a) => [a.arm, []]));
  for (let i = 0; i < o.slices; i++) {
    const order = i % 2 === 0 ? arms : [...arms].reverse();
    for (const a of order) {
      const m = await measure(a.mesh, a.world, {
        ratePerSec: o.ratePerSec,
        seconds: TURN_WARMUP_S + o.seconds / o.slices,
        seed: o.seed + i,
      });
      const counted = m.arrivals.filter((x) => x.intendedMs >= TURN_WARMUP_S * 1000);
      parts.get(a.arm)!.push({ ...m, arrivals: counted, seconds: m.seconds - TURN_WARMUP_S });
    }
  }
  return new Map(
    [...parts].map(([arm, ms]) => {
      const attempts = ms.reduce<Attempts>(
        (t, m) => ({
          wanted: t.wanted + m.attempts.wanted,
          sent: t.sent + m.attempts.sent,
          retries: t.retries + m.attempts.retries,
        }),
        { wanted: 0, sent: 0, retries: 0 },
      );
      return [
        arm,
        {
          arrivals: ms.flatMap((m) => m.arrivals),
          seconds: ms.reduce((n, m) => n + m.seconds, 0),
          sendLagP99Ms: Math.max(...ms.map((m) => m.sendLagP99Ms)),
          attempts,
        },
      ];
    }),
  );
}

function rssOf(mesh: TestMesh): OverloadStep['rss'] {
  let largestReplicaMb = 0;
  let largestReplica = '';
  for (const [app, ps] of mesh.replicas)
    for (const p of ps) {
      const mb = rssMb(p.pid);
      if (mb > largestReplicaMb) [largestReplicaMb, largestReplica] = [mb, app];
    }
  return { edgeMb: rssMb(mesh.edges[0].pid), largestReplicaMb, largestReplica };
}

interface ReplicaCounter {
  id: string;
  pid: number | null;
  requests: number;
  averageLatencyMs: number;
}

async function replicaCounters(mesh: TestMesh, service: string): Promise<ReplicaCounter[]> {
  const body = (await (await fetch(`${mesh.adminUrl}/mesh`, { signal: AbortSignal.timeout(5000) })).json()) as {
    services: Array<{ name: string; replicas: ReplicaCounter[] }>;
  };
  return body.services.find((s) => s.name === service)?.replicas ?? [];
}

function sharesBetween(before: ReplicaCounter[], after: ReplicaCounter[], slowPid: number): ReplicaShare[] {
  const rows = after.map((a) => {
    const b = before.find((x) => x.id === a.id) ?? { requests: 0, averageLatencyMs: 0 };
    const n = a.requests - b.requests;
    const ms = a.averageLatencyMs * a.requests - b.averageLatencyMs * b.requests;
    return { id: a.id, slow: a.pid === slowPid, n, meanMs: n > 0 ? Math.round((ms / n) * 100) / 100 : 0 };
  });
  const total = rows.reduce((s, r) => s + r.n, 0) || 1;
  return rows.map((r) => ({
    id: r.id,
    slow: r.slow,
    share: Math.round((r.n / total) * 1000) / 1000,
    meanMs: r.meanMs,
  }));
}

/** Sends SIGSTOP and SIGCONT to `pid` in turns of `burstMs` until stopped; ends continued. */
function freezeInBursts(kill: (signal: NodeJS.Signals) => void, burstMs = 1000): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, burstMs));
      kill('SIGCONT');
      if (running) await new Promise((r) => setTimeout(r, burstMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      kill('SIGCONT');
    },
  };
}

async function seed(url: string, log: (l: string) => void): Promise<World> {
  const authors: DrillAccount[] = [];
  for (let i = 0; i < AUTHORS; i++) authors.push(await signup(url, `load_author_${i}`));
  const readers: DrillAccount[] = [];
  for (let i = 0; i < READERS; i++) readers.push(await signup(url, `load_reader_${i}`));
  const postIds: string[] = [];
  for (const a of authors) postIds.push(...(await createPosts(url, a, POSTS_PER_AUTHOR, `${a.user.username} says`)));
  // Each reader follows half the authors (their home pages are whole pages) and likes a few posts.
  for (const [i, r] of readers.entries())
    for (let j = 0; j < AUTHORS / 2; j++) await follow(url, r, authors[(i + j) % AUTHORS].user.username);
  for (const [i, r] of readers.entries())
    for (let j = 0; j < 5; j++)
      await http(url, 'PUT', `/posts/${postIds[(i * 7 + j) % postIds.length]}/like`, { token: r.token });
  log(
    `[overload] seeded ${AUTHORS} authors with ${postIds.length} posts, ${READERS} readers following ${AUTHORS / 2} each`,
  );
  return { readers, postIds };
}

async function startArmMesh(database: string, protection: boolean): Promise<TestMesh> {
  return startTestMesh({
    replicas: OVERLOAD_REPLICAS,
    env: {
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
      ACCESS_LOG: 'false',
      LOG_LEVEL: 'warn',
      OVERLOAD_PROTECTION: String(protection),
    },
    joinTimeoutMs: 60_000,
  });
}

export interface OverloadRunOptions {
  short: boolean;
  log: (line: string) => void;
  onCleanup?: (cleanup: () => Promise<void>) => void;
}

export async function runOverload(o: OverloadRunOptions): Promise<OverloadReport> {
  const plan = o.short ? SHORT : FULL;
  const startedAt = new Date();
  // The generator stands for clients on other machines: on this one it must not be starved by the
  // mesh it loads, or its own lateness is measured as the mesh's. Root may raise its priority once
  // a mesh is up (what it spawns would inherit it); elsewhere it stays as it is, and the report's
  // generator lag says how late it sent.
  let generatorPriority = 'normal';
  const raise = (on: boolean) => {
    try {
      setPriority(on ? -10 : 0);
      if (on) generatorPriority = 'raised (nice -10) while it loads the mesh';
    } catch {
      // Not root: the generator lag figures tell.
    }
  };
  const database = `failsoft_overload_${randomBytes(4).toString('hex')}`;
  const meshes = new Set<TestMesh>();
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await Promise.all([...meshes].map((m) => m.stop()));
      await sql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    })());
  o.onCleanup?.(cleanup);
  await sql(`CREATE DATABASE "${database}"`);
  try {
    /** A fresh mesh (fresh schemas), the same world seeded anew, warmed up: every run starts so. */
    const fresh = async (arm: ArmName): Promise<ArmMesh> => {
      const protection = arm === 'on';
      // The mesh before it wrote a good deal (the sweep goes past the knee): its dirty pages are
      // flushed now, not by a checkpoint in the middle of this mesh's first steps. A role that may
      // not checkpoint (superuser or pg_checkpoint) runs the drill without it, and is told.
      await sql('CHECKPOINT').catch((err: unknown) =>
        o.log(`[overload] no CHECKPOINT before this mesh (${err instanceof Error ? err.message : String(err)})`),
      );
      const bootAt = Date.now();
      raise(false);
      const m = await startArmMesh(database, protection);
      meshes.add(m);
      raise(true);
      o.log(
        `[overload] mesh with OVERLOAD_PROTECTION=${protection} up in ${((Date.now() - bootAt) / 1000).toFixed(1)} s: ${JSON.stringify(OVERLOAD_REPLICAS)}`,
      );
      const world = await seed(m.edgeUrl, o.log);
      // Warm-up: JIT, pools, the feed's first reads.
      await measure(m, world, { ratePerSec: 20, seconds: 3, seed: 1 });
      return { arm, mesh: m, world };
    };
    const stop = async (m: TestMesh) => {
      await m.stop();
      meshes.delete(m);
    };
    // Two meshes are up from here to the end, so that every figure is measured beside the same
    // idle neighbour: an idle mesh costs about a sixth of a core (its pings, its relays' polls),
    // and a knee found beside none would sit past what the steps beside one can serve. The
    // knee on a mesh of its own, beside the arm without the mechanisms: the sweep ends past it,
    // and what it leaves behind (queues, limits shrunk, brownouts) would weigh on the first steps
    // of one arm and not the other's.
    const off = await fresh('off');
    const sweepMesh = await fresh('on');
    const { knee, sweep } = await findKnee(sweepMesh.mesh, sweepMesh.world, plan, o.log);
    await stop(sweepMesh.mesh);
    const both = [await fresh('on'), off];
    const low = await lowSteps(both, { knee, plan, log: o.log });
    const arms: OverloadArm[] = [];
    for (const a of both) arms.push(await runArm(a, low.get(a.arm)!, { knee, plan, log: o.log }));
    const criteria = judge(arms, knee);
    const passed = criteria.filter((c) => c.pass).length;
    return {
      scenario: o.short ? 'short' : 'full',
      startedAt: startedAt.toISOString(),
      durationS: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
      machine: { cpus: cpus().length, node: process.version, loadAverage: Math.round(loadavg()[0] * 10) / 10 },
      generatorPriority,
      replicas: OVERLOAD_REPLICAS,
      mix: OVERLOAD_MIX,
      sweep,
      kneeRatePerSec: knee,
      arms,
      criteria,
      verdict: { ok: passed === criteria.length, passed, of: criteria.length },
    };
  } finally {
    raise(false);
    await cleanup();
  }
}

async function findKnee(
  mesh: TestMesh,
  w: World,
  plan: Plan,
  log: (l: string) => void,
): Promise<{ knee: number; sweep: SweepFigure[] }> {
  const rates = Array.from({ length: plan.sweep.maxLegs }, (_, i) =>
    Math.round(plan.sweep.fromPerSec * plan.sweep.factor ** i),
  );
  // The knee of full answers: a degraded answer is the mechanisms at work (brownout), so it does
  // not count here, or the knee of the arm with them would sit past what the other arm serves.
  const figures: SweepFigure[] = [];
  let failing = 0;
  for (const rate of rates) {
    const m = await measure(mesh, w, { ratePerSec: rate, seconds: plan.sweep.seconds, seed: rate });
    const f = stepFigures(m.arrivals, m.seconds);
    const fullShare = Math.round((f.fates.full / (f.offered || 1)) * 1000) / 1000;
    const servesWell = fullShare >= 0.95 && f.p99Ms < GOODPUT_MS;
    figures.push({ ratePerSec: rate, servesWell, goodShare: fullShare, p99Ms: f.p99Ms });
    log(
      `[overload] sweep ${rate}/s: ${servesWell ? 'serves well' : 'does not'} (full ${fullShare}, p99 ${f.p99Ms} ms)`,
    );
    failing = servesWell ? 0 : failing + 1;
    if (failing >= 2) break;
  }
  const knee = kneeOf(figures);
  if (knee === null)
    throw new Error(`no rate of the sweep served well (from ${rates[0]}/s): the machine is too busy for the drill`);
  log(`[overload] knee: ${knee}/s`);
  return { knee, sweep: figures };
}

/** A step's figures from what was measured, logged. */
function stepOf(
  a: ArmMesh,
  m: Measured,
  o: { multiple: number; ratePerSec: number; seconds: number; slices: number; log: (l: string) => void },
): OverloadStep {
  const step: OverloadStep = {
    multiple: o.multiple,
    ratePerSec: o.ratePerSec,
    seconds: o.seconds,
    slices: o.slices,
    ...stepFigures(m.arrivals, m.seconds),
    readP99Ms: readP99(m.arrivals),
    amplification: amplification(m.attempts),
    retries: m.attempts.retries,
    generatorLagP99Ms: m.sendLagP99Ms,
    rss: rssOf(a.mesh),
  };
  o.log(
    `[overload] ${a.arm} ${o.multiple}× (${o.ratePerSec}/s${o.slices > 1 ? ` in ${o.slices} turns` : ''}): goodput ${step.goodputPerSec}/s, degraded ${step.degradedShare}, ` +
      `refused ${step.refusedShare}, slow ${step.slowShare}, p99 ${step.p99Ms} ms, amplification ${step.amplification}` +
      (step.fates.degraded ? ` (left out: ${JSON.stringify(step.degradedBy)})` : ''),
  );
  return step;
}

/** What the steps below the knee left for each arm: its steps, and the slow service's healthy shares. */
interface LowSteps {
  steps: OverloadStep[];
  healthy: ReplicaShare[];
}

/** 0.5× and 1× the knee on both arms' meshes, taking turns (measureInterleaved). */
async function lowSteps(
  arms: readonly ArmMesh[],
  o: { knee: number; plan: Plan; log: (l: string) => void },
): Promise<Map<ArmName, LowSteps>> {
  const out = new Map<ArmName, LowSteps>(arms.map((a) => [a.arm, { steps: [], healthy: [] }]));
  for (const multiple of MULTIPLES.filter((x) => INTERLEAVED.has(x))) {
    const ratePerSec = Math.round(o.knee * multiple);
    const slow = multiple === SLOW_MULTIPLE;
    const before = new Map<ArmName, ReplicaCounter[]>();
    if (slow) for (const a of arms) before.set(a.arm, await replicaCounters(a.mesh, SLOW_SERVICE));
    const measured = await measureInterleaved(arms, {
      ratePerSec,
      seconds: o.plan.stepS,
      slices: o.plan.slices,
      seed: 100 + multiple * 10,
    });
    for (const a of arms) {
      const low = out.get(a.arm)!;
      if (slow) {
        const slowPid = a.mesh.replicas.get(SLOW_SERVICE)![0].pid;
        low.healthy = sharesBetween(before.get(a.arm)!, await replicaCounters(a.mesh, SLOW_SERVICE), slowPid);
      }
      low.steps.push(
        stepOf(a, measured.get(a.arm)!, {
          multiple,
          ratePerSec,
          seconds: o.plan.stepS,
          slices: o.plan.slices,
          log: o.log,
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  return out;
}

/** The rest of one arm, the other idle beside it: the steps past the knee, the spike, the slow replica. */
async function runArm(
  a: ArmMesh,
  below: LowSteps,
  o: { knee: number; plan: Plan; log: (l: string) => void },
): Promise<OverloadArm> {
  const { plan, knee } = o;
  const { mesh, world: w } = a;
  const protection = a.arm === 'on';
  const steps: OverloadStep[] = [...below.steps];
  const healthy = below.healthy;
  for (const multiple of MULTIPLES.filter((x) => !INTERLEAVED.has(x))) {
    const ratePerSec = Math.round(knee * multiple);
    const m = await measure(mesh, w, { ratePerSec, seconds: plan.stepS, seed: 100 + multiple * 10 });
    steps.push(stepOf(a, m, { multiple, ratePerSec, seconds: plan.stepS, slices: 1, log: o.log }));
    // Let the queues of a step past the knee drain before the next is measured.
    await new Promise((r) => setTimeout(r, 2000));
  }

  const low = Math.round(knee * 0.5);
  const high = Math.round(knee * 4);
  const s = plan.spike;
  const m = await measure(mesh, w, {
    ratePerSec: low,
    seconds: s.lowS + s.highS + s.afterS,
    seed: 7,
    phases: [
      { ratePerSec: low, seconds: s.lowS },
      { ratePerSec: high, seconds: s.highS },
      { ratePerSec: low, seconds: s.afterS },
    ],
  });
  const series = windows(m.arrivals, s.lowS + s.highS + s.afterS);
  const spike: SpikeFigures = {
    lowRatePerSec: low,
    highRatePerSec: high,
    spikeFromS: s.lowS,
    spikeToS: s.lowS + s.highS,
    seconds: s.lowS + s.highS + s.afterS,
    ...stepFigures(m.arrivals, m.seconds),
    series,
    recoveryS: recoveryS(series, s.lowS + s.highS),
    amplification: amplification(m.attempts),
  };
  o.log(
    `[overload] ${a.arm} spike ${low}→${high}→${low}/s: back under 500 ms p99 ${spike.recoveryS ?? 'never'} s after`,
  );
  await new Promise((r) => setTimeout(r, 2000));

  const slow = mesh.replicas.get(SLOW_SERVICE)![0];
  const ratePerSec = Math.round(knee * SLOW_MULTIPLE);
  const before = await replicaCounters(mesh, SLOW_SERVICE);
  const bursts = freezeInBursts((signal) => slow.kill(signal));
  let sm: Measured;
  try {
    sm = await measure(mesh, w, { ratePerSec, seconds: plan.slowS, seed: 11 });
  } finally {
    await bursts.stop();
  }
  // Its stats answer again once it runs.
  await new Promise((r) => setTimeout(r, 1500));
  const slowReplica: SlowReplicaFigures = {
    service: SLOW_SERVICE,
    multiple: SLOW_MULTIPLE,
    ratePerSec,
    seconds: plan.slowS,
    how: `one ${SLOW_SERVICE} replica of ${OVERLOAD_REPLICAS[SLOW_SERVICE]} SIGSTOPped for 1 s of every 2 s`,
    ...stepFigures(sm.arrivals, sm.seconds),
    readP99Ms: readP99(sm.arrivals),
    healthy,
    during: sharesBetween(before, await replicaCounters(mesh, SLOW_SERVICE), slow.pid),
  };
  o.log(
    `[overload] ${a.arm} slow ${SLOW_SERVICE} replica at ${ratePerSec}/s: p99 ${slowReplica.p99Ms} ms (reads ${slowReplica.readP99Ms}; ${JSON.stringify(slowReplica.p99ByKind)}), degraded ${slowReplica.degradedShare}, ` +
      `its share ${slowReplica.healthy.find((r) => r.slow)?.share ?? '?'} → ${slowReplica.during.find((r) => r.slow)?.share ?? '?'}` +
      (slowReplica.fates.degraded ? ` (left out: ${JSON.stringify(slowReplica.degradedBy)})` : ''),
  );
  return { arm: a.arm, protection, steps, spike, slowReplica };
}
