// One chaos run: a private mesh (2 replicas of every service, an edge, its own nats-server and
// its own database), the drill load from libs/testing, the scenario, then the reconciliation.
// Whatever happens, the database accepts connections again and every process ends.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { cpus, loadavg } from 'node:os';
import {
  createPosts,
  expectEventually,
  reconcile,
  refuseConnections,
  signup,
  sql,
  startDrillLoad,
  startTestMesh,
  type DrillAccount,
  type DrillRecords,
  type TestMesh,
} from '#testing';
import { buildReport } from './chaos-figures.js';

const execFileAsync = promisify(execFile);
import type { ChaosReport, FaultMark } from './chaos-report-model.js';
import { FULL_SCENARIO, runScenario, SHORT_SCENARIO } from './chaos-scenario.js';

export const CHAOS_REPLICAS = { identity: 2, posts: 2, comments: 2, likes: 2, media: 2, messaging: 2 };

export interface ChaosRunOptions {
  short: boolean;
  /** Stop and start the local PostgreSQL server instead of taking the run's database away. */
  restartPostgres?: boolean;
  log: (line: string) => void;
  /** Called with the run's cleanup, for a Ctrl-C in the middle of it. */
  onCleanup?: (cleanup: () => Promise<void>) => void;
}

/**
 * The machine's own PostgreSQL cluster stopped (fast: open sessions are ended) or started again,
 * with pg_ctlcluster as on Debian; started means it accepts connections again.
 */
async function restartLocalPostgres(stop: boolean): Promise<void> {
  const version = readdirSync('/etc/postgresql')[0];
  if (!version) throw new Error('chaos --restart-postgres: no cluster under /etc/postgresql');
  const args = ['--skip-systemctl-redirect', version, 'main', stop ? 'stop' : 'start', ...(stop ? ['-m', 'fast'] : [])];
  await execFileAsync('pg_ctlcluster', args);
  if (!stop) await expectEventually(() => sql('SELECT 1'), { timeoutMs: 30_000, intervalMs: 200 });
}

export async function runChaos(o: ChaosRunOptions): Promise<ChaosReport> {
  const database = `failsoft_chaos_${randomBytes(4).toString('hex')}`;
  const databaseAway = o.restartPostgres ? restartLocalPostgres : (away: boolean) => refuseConnections(database, away);
  const databaseOutage = o.restartPostgres
    ? { label: 'PostgreSQL stopped', how: 'the local PostgreSQL server was stopped (pg_ctlcluster … stop -m fast)' }
    : {
        label: 'PostgreSQL away',
        how:
          "the mesh's database refused connections and its open ones were terminated " +
          "(ALTER DATABASE … ALLOW_CONNECTIONS false: only this run's database goes away; --restart-postgres stops the server)",
      };
  let mesh: TestMesh | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await databaseAway(false).catch(() => undefined);
      await mesh?.stop();
      await sql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    })());
  o.onCleanup?.(cleanup);

  await sql(`CREATE DATABASE "${database}"`);
  try {
    const bootAt = Date.now();
    mesh = await startTestMesh({
      replicas: CHAOS_REPLICAS,
      env: { DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`, ACCESS_LOG: 'false', LOG_LEVEL: 'warn' },
      joinTimeoutMs: 60_000,
    });
    const url = mesh.edgeUrl;
    o.log(
      `[chaos] mesh up in ${((Date.now() - bootAt) / 1000).toFixed(1)} s: ${JSON.stringify(CHAOS_REPLICAS)} + edge ${url}`,
    );
    const reader = await signup(url, 'chaos_reader');
    const poster = await signup(url, 'chaos_poster');
    const seeder = await signup(url, 'chaos_seeder');
    const likers: DrillAccount[] = [];
    for (let i = 0; i < 5; i++) likers.push(await signup(url, `chaos_liker_${i}`));
    const readIds = await createPosts(url, seeder, 30, 'read me');
    const likeTargets = await createPosts(url, seeder, 40, 'like me');

    o.log('[chaos] load started');
    const load = startDrillLoad({ url, reader, readIds, poster, likers, likeTargets, label: 'chaos' });
    let faults: FaultMark[];
    let records: DrillRecords;
    try {
      faults = await runScenario(
        { mesh, databaseAway, databaseOutage, log: o.log },
        o.short ? SHORT_SCENARIO : FULL_SCENARIO,
      );
    } finally {
      records = await load.stop();
    }
    o.log(`[chaos] load stopped after ${records.requests.length} requests; reconciling the writes…`);
    // The last fault may still be wearing off: the listings the reconciliation reads must answer.
    const reconciliation = await expectEventually(() => reconcile(url, records, { poster, reader }), {
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    return buildReport({
      scenario: o.short ? 'short' : 'full',
      records,
      reconciliation,
      faults,
      replicas: CHAOS_REPLICAS,
      machine: { cpus: cpus().length, node: process.version, loadAverage: Math.round(loadavg()[0] * 10) / 10 },
    });
  } finally {
    await cleanup();
  }
}
