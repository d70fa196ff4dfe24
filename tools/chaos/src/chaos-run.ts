// One chaos run: a private mesh (2 replicas of every service, 1 of graph and feed, an edge, its own nats-server and
// its own database), the drill load from libs/testing (with home readers and a follower), the
// scenario with the edge's consumer lag read every second, then the reconciliation of the writes
// and, once feed and notifications have caught up, of the home feeds and the seeder's notifications.
// Whatever happens, the database accepts connections again and every process ends.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { cpus, loadavg } from 'node:os';
import {
  createPosts,
  expectEventually,
  follow,
  reconcile,
  reconcileFeeds,
  reconcileNotifications,
  notificationErrors,
  refuseConnections,
  signup,
  sql,
  startDrillLoad,
  startTestMesh,
  type DrillAccount,
  type DrillRecords,
  type FeedReconciliation,
  type NotificationReconciliation,
  type TestMesh,
} from '#testing';
import { buildReport } from './chaos-figures.js';

const execFileAsync = promisify(execFile);
import type { ChaosReport, FaultMark, LagSample } from './chaos-report-model.js';
import { FULL_SCENARIO, runScenario, SHORT_SCENARIO } from './chaos-scenario.js';

export const CHAOS_REPLICAS = {
  identity: 2,
  posts: 2,
  comments: 2,
  likes: 2,
  media: 2,
  messaging: 2,
  // One each: two more booting replicas per outage cost a 2-core machine more than they show.
  graph: 1,
  feed: 1,
  notifications: 1,
};
/** How often the edge reads the consumers' lag in a chaos run, and the run reads it from GET /mesh. */
const LAG_INTERVAL_MS = 1000;

/** GET /mesh's consumer lag every LAG_INTERVAL_MS until stopped: pending + in flight per service. */
function sampleLag(adminUrl: string): { stop: () => Promise<LagSample[]> } {
  const samples: LagSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const sent = Date.now();
      try {
        const res = await fetch(`${adminUrl}/mesh`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as {
          consumers?: Array<{ service: string; pending: number; inFlight: number }>;
        };
        const byService: Record<string, number> = {};
        for (const c of body.consumers ?? [])
          byService[c.service] = (byService[c.service] ?? 0) + c.pending + c.inFlight;
        samples.push({ at: Date.now(), byService });
      } catch {
        // A missed reading is a gap in the chart, not a failure of the run.
      }
      await new Promise((r) => setTimeout(r, Math.max(0, LAG_INTERVAL_MS - (Date.now() - sent))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** Every durable of `service` with nothing pending or in flight, as GET /mesh says (for up to 30 s). */
async function caughtUp(adminUrl: string, service: string): Promise<void> {
  await expectEventually(
    async () => {
      const body = (await (await fetch(`${adminUrl}/mesh`)).json()) as {
        consumers: Array<{ service: string; pending: number; inFlight: number; readAt: string | null }>;
      };
      const mine = body.consumers.filter((c) => c.service === service);
      if (mine.length === 0 || mine.some((c) => c.pending + c.inFlight > 0 || !c.readAt))
        throw new Error(`${service} not caught up: ${JSON.stringify(mine)}`);
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
}

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
      env: {
        DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
        ACCESS_LOG: 'false',
        LOG_LEVEL: 'warn',
        CONSUMER_LAG_INTERVAL_MS: String(LAG_INTERVAL_MS),
      },
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
    // Home readers follow the poster (before it writes: their feeds should hold all its posts);
    // the follower follows and unfollows the seeder throughout.
    const homeReaders: DrillAccount[] = [];
    for (let i = 0; i < 3; i++) homeReaders.push(await signup(url, `chaos_home_${i}`));
    for (const h of homeReaders) await follow(url, h, poster.user.username);
    const follower = await signup(url, 'chaos_follower');
    const commenter = await signup(url, 'chaos_commenter');
    const readIds = await createPosts(url, seeder, 30, 'read me');
    const likeTargets = await createPosts(url, seeder, 40, 'like me');

    o.log('[chaos] load started');
    const lag = sampleLag(mesh.adminUrl);
    const load = startDrillLoad({
      url,
      reader,
      readIds,
      poster,
      likers,
      likeTargets,
      label: 'chaos',
      homeReaders,
      follower: { who: follower, followee: seeder.user.username },
      // The seeder's like targets get comments too: the seeder is the one whose notifications are reconciled.
      commenter: { who: commenter, postIds: likeTargets },
    });
    let faults: FaultMark[];
    let records: DrillRecords;
    let lagSamples: LagSample[];
    try {
      faults = await runScenario(
        { mesh, databaseAway, databaseOutage, log: o.log },
        o.short ? SHORT_SCENARIO : FULL_SCENARIO,
      );
    } finally {
      records = await load.stop();
      lagSamples = await lag.stop();
    }
    o.log(`[chaos] load stopped after ${records.requests.length} requests; reconciling the writes…`);
    // The last fault may still be wearing off: the listings the reconciliation reads must answer.
    const reconciliation = await expectEventually(() => reconcile(url, records, { poster, reader }), {
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    // The feeds once feed has caught up: every durable of feed with nothing pending or in flight.
    await caughtUp(mesh.adminUrl, 'feed');
    // An acknowledged post may still wait in posts' outbox (PostgreSQL was away last): a feed
    // missing it is asked again until it is whole, for up to 30 s; what is still wrong then is reported.
    const whole = (r: FeedReconciliation) => r.missing.length + r.twice.length + r.extra.length === 0;
    const reconcileAt = Date.now();
    let feedReconciliation: FeedReconciliation;
    for (;;) {
      feedReconciliation = await expectEventually(
        () => reconcileFeeds(url, { homeReaders, poster, follower: { who: follower, followee: seeder } }),
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      if (whole(feedReconciliation) || Date.now() - reconcileAt > 30_000) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    o.log(
      `[chaos] feeds: ${feedReconciliation.users} home feeds, ${feedReconciliation.checked} entries checked; ` +
        `${feedReconciliation.missing.length} missing, ${feedReconciliation.twice.length} twice, ${feedReconciliation.extra.length} extra`,
    );
    // The seeder's notifications once notifications has caught up, asked again (as the feeds are)
    // while one is still missing, for up to 30 s.
    await caughtUp(mesh.adminUrl, 'notifications');
    const notifiedAt = Date.now();
    let notificationReconciliation: NotificationReconciliation;
    for (;;) {
      notificationReconciliation = await expectEventually(
        () => reconcileNotifications(url, { recipient: seeder, posts: likeTargets, commenter, follower }),
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      if (notificationErrors(notificationReconciliation) === 0 || Date.now() - notifiedAt > 30_000) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const n = notificationReconciliation;
    o.log(
      `[chaos] notifications: ${n.listed} listed of ${n.expected} called for; ${n.missing.length} missing, ` +
        `${n.twice.length} twice, ${n.extra.length} extra, ${n.wrongCount.length} counting wrong; unread ${n.unread} (${n.unreadExpected} listed)`,
    );
    return buildReport({
      scenario: o.short ? 'short' : 'full',
      records,
      reconciliation,
      feedReconciliation,
      notificationReconciliation,
      lag: lagSamples,
      faults,
      replicas: CHAOS_REPLICAS,
      machine: { cpus: cpus().length, node: process.version, loadAverage: Math.round(loadavg()[0] * 10) / 10 },
    });
  } finally {
    await cleanup();
  }
}
