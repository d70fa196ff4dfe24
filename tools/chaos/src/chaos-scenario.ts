// The scripted faults of `npm run chaos`, one after another with calm between them, each timed
// on the wall clock so the report can draw it on the load's time axis. Every fault undoes itself
// (SIGCONT, the database back) in a finally: a run that fails midway leaves nothing frozen.
import { liveReplicas, scaleToZero, type AppProcess, type TestMesh } from '#testing';
import type { FaultMark } from './chaos-report-model.js';

export interface ScenarioTiming {
  /** Calm before the first fault, between two faults, and after the last. */
  calmMs: number;
  likesDownMs: number;
  /** feed at 0: home reads built at read time (degraded), its events pile up until it is back. */
  feedDownMs: number;
  /** graph at 0: follows and unfollows refused (503), the home feed still served by feed. */
  graphDownMs: number;
  /** notifications at 0: every write answers as before, its events pile up until it is back. */
  notificationsDownMs: number;
  frozenMs: number;
  postgresDownMs: number;
}

export const SHORT_SCENARIO: ScenarioTiming = {
  calmMs: 2500,
  likesDownMs: 3000,
  feedDownMs: 3000,
  graphDownMs: 3000,
  notificationsDownMs: 3000,
  frozenMs: 3000,
  postgresDownMs: 3000,
};
export const FULL_SCENARIO: ScenarioTiming = {
  calmMs: 6000,
  likesDownMs: 8000,
  feedDownMs: 10_000,
  graphDownMs: 8000,
  notificationsDownMs: 8000,
  frozenMs: 15_000,
  postgresDownMs: 10_000,
};

export interface ScenarioContext {
  mesh: TestMesh;
  /** The mesh's database goes away (refuses connections, drops the open ones), or comes back. */
  databaseAway: (away: boolean) => Promise<void>;
  /** How it goes away, for the report: a label ("PostgreSQL away") and what was done. */
  databaseOutage: { label: string; how: string };
  log: (line: string) => void;
}

type Fault = Omit<FaultMark, 'id'>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pids = (ps: AppProcess[]) => ps.map((p) => p.pid).join(', ');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function oldest(mesh: TestMesh, app: string): AppProcess {
  const [p] = liveReplicas(mesh, app);
  if (!p) throw new Error(`chaos: no live ${app} replica to signal`);
  return p;
}

/** What docs/fail-soft.md lets fail while each service is at 0 (reads of posts never fail). */
const writesRefusedWhenDown: Record<string, Fault['allows']['writes']> = {
  likes: 'likes',
  graph: 'follows',
  feed: 'none',
  notifications: 'none',
};

async function scaleToZeroAndBack(ctx: ScenarioContext, app: string, downMs: number): Promise<Fault> {
  const victims = liveReplicas(ctx.mesh, app);
  const startedAt = Date.now();
  const codes = await scaleToZero(ctx.mesh, app);
  const allGone = Date.now() - startedAt;
  await sleep(downMs);
  const back = Date.now();
  for (let i = 0; i < victims.length; i++) await ctx.mesh.addReplica(app);
  const endedAt = Date.now();
  return {
    kind: 'scale-to-zero',
    service: app,
    label: `${app} → 0`,
    detail:
      `SIGTERM to all ${victims.length} ${app} replicas (pids ${pids(victims)}; exit codes ${codes.join(', ')}; ` +
      `all gone after ${seconds(allGone)}); ${seconds(downMs)} at 0; ${victims.length} new replicas joined ` +
      `${seconds(endedAt - back)} after the scale back`,
    startedAt,
    endedAt,
    allows: { reads: false, writes: writesRefusedWhenDown[app] ?? 'none' },
  };
}

async function sigkillAndReplace(ctx: ScenarioContext, app: string): Promise<Fault> {
  const victim = oldest(ctx.mesh, app);
  const startedAt = Date.now();
  victim.kill('SIGKILL');
  await victim.exited;
  const replacement = await ctx.mesh.addReplica(app);
  const endedAt = Date.now();
  return {
    kind: 'sigkill',
    label: `SIGKILL ${app}`,
    detail: `SIGKILL to ${app} pid ${victim.pid}; its replacement (pid ${replacement.pid}) joined after ${seconds(endedAt - startedAt)}`,
    startedAt,
    endedAt,
    allows: { reads: false, writes: 'none' },
  };
}

/** A rolling restart as a deployment does it: a new replica joins, then an old one drains. */
async function rollingSigterm(ctx: ScenarioContext, app: string): Promise<Fault> {
  const old = liveReplicas(ctx.mesh, app);
  const startedAt = Date.now();
  const steps: string[] = [];
  for (const p of old) {
    const next = await ctx.mesh.addReplica(app);
    const termAt = Date.now();
    p.kill('SIGTERM');
    const code = await p.exited;
    steps.push(`pid ${next.pid} joined, pid ${p.pid} drained and exited ${code} in ${Date.now() - termAt} ms`);
  }
  return {
    kind: 'rolling-sigterm',
    label: `rolling SIGTERM ${app}`,
    detail: `each of ${old.length} ${app} replicas replaced in turn: ${steps.join('; ')}`,
    startedAt,
    endedAt: Date.now(),
    allows: { reads: false, writes: 'none' },
  };
}

async function freeze(ctx: ScenarioContext, app: string, frozenMs: number): Promise<Fault> {
  const victim = oldest(ctx.mesh, app);
  const startedAt = Date.now();
  victim.kill('SIGSTOP');
  try {
    await sleep(frozenMs);
  } finally {
    victim.kill('SIGCONT');
  }
  return {
    kind: 'sigstop',
    label: `SIGSTOP ${app} ${Math.round(frozenMs / 1000)} s`,
    detail: `SIGSTOP to ${app} pid ${victim.pid} (1 of ${liveReplicas(ctx.mesh, app).length}), SIGCONT after ${seconds(frozenMs)}`,
    startedAt,
    endedAt: Date.now(),
    allows: { reads: false, writes: 'none' },
  };
}

async function postgresAway(ctx: ScenarioContext, downMs: number): Promise<Fault> {
  const startedAt = Date.now();
  try {
    await ctx.databaseAway(true);
    await sleep(downMs);
  } finally {
    await ctx.databaseAway(false);
  }
  return {
    kind: 'postgres',
    label: `${ctx.databaseOutage.label} ${Math.round(downMs / 1000)} s`,
    detail: `${ctx.databaseOutage.how} for ${seconds(downMs)}`,
    startedAt,
    endedAt: Date.now(),
    allows: { reads: true, writes: 'all' },
  };
}

export async function runScenario(ctx: ScenarioContext, timing: ScenarioTiming): Promise<FaultMark[]> {
  const steps: Array<[string, () => Promise<Fault>]> = [
    ['likes to 0 and back', () => scaleToZeroAndBack(ctx, 'likes', timing.likesDownMs)],
    ['feed to 0 and back', () => scaleToZeroAndBack(ctx, 'feed', timing.feedDownMs)],
    ['graph to 0 and back', () => scaleToZeroAndBack(ctx, 'graph', timing.graphDownMs)],
    ['notifications to 0 and back', () => scaleToZeroAndBack(ctx, 'notifications', timing.notificationsDownMs)],
    ['SIGKILL a posts replica', () => sigkillAndReplace(ctx, 'posts')],
    ['rolling SIGTERM of posts', () => rollingSigterm(ctx, 'posts')],
    ['SIGSTOP a posts replica', () => freeze(ctx, 'posts', timing.frozenMs)],
    [ctx.databaseOutage.label, () => postgresAway(ctx, timing.postgresDownMs)],
  ];
  const faults: FaultMark[] = [];
  await sleep(timing.calmMs);
  for (const [what, step] of steps) {
    ctx.log(`[chaos] ${what}…`);
    const f = { id: faults.length + 1, ...(await step()) };
    faults.push(f);
    ctx.log(`[chaos] ${f.id}. ${f.label}: ${f.detail}`);
    await sleep(timing.calmMs);
  }
  return faults;
}
