// What a chaos run measured, shaped for the report: per-second series on one time axis, the
// faults on the same axis, the totals, and the verdict. Pure: records in, report out.
import {
  notificationErrors,
  type DrillRecords,
  type FeedReconciliation,
  type NotificationReconciliation,
  type Reconciliation,
  type RequestRecord,
  type WriteRecord,
} from '#testing';
import {
  RECOVERY_MS,
  type ChaosReport,
  type FailureGroup,
  type FaultMark,
  type FeedsReport,
  type LagSample,
  type NotificationsReport,
  type PerSecond,
  type ReportFault,
  type Totals,
} from './chaos-report-model.js';

export function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const failed = (r: RequestRecord) => r.outcome !== 'ok';
/** A write's failure happened when its last attempt was sent. */
const writeAt = (w: WriteRecord) => w.lastAttemptAt ?? w.firstAttemptAt ?? 0;

/**
 * The span a fault answers for: from its start to RECOVERY_MS after its end, but never into the
 * next fault (what happens then is the next fault's doing). Faults are in order.
 */
function windowOf(faults: FaultMark[], i: number): { from: number; to: number } {
  const next = faults[i + 1]?.startedAt ?? Infinity;
  return { from: faults[i].startedAt, to: Math.min(faults[i].endedAt + RECOVERY_MS, next) };
}

/** The fault whose window holds `at`, if any. */
function faultAt(faults: FaultMark[], at: number): FaultMark | undefined {
  return faults.find((_, i) => {
    const w = windowOf(faults, i);
    return at >= w.from && at < w.to;
  });
}

function readExpected(faults: FaultMark[], r: RequestRecord): boolean {
  return faultAt(faults, r.startedAt)?.allows.reads ?? false;
}

function writeExpected(faults: FaultMark[], w: WriteRecord): boolean {
  const writes = faultAt(faults, writeAt(w))?.allows.writes ?? 'none';
  return (
    writes === 'all' ||
    (writes === 'likes' && w.kind === 'like') ||
    (writes === 'follows' && (w.kind === 'follow' || w.kind === 'unfollow'))
  );
}

const HOME = 'GET /timeline/home';

/** Each second's last lag reading of `service` (null: none that second). */
function lagPerSecond(records: DrillRecords, seconds: number, lag: LagSample[], service: string): Array<number | null> {
  const out: Array<number | null> = Array.from({ length: seconds }, () => null);
  for (const l of lag) {
    const i = Math.floor((l.at - records.startedAt) / 1000);
    if (i >= 0 && i < seconds && l.byService[service] !== undefined) out[i] = l.byService[service];
  }
  return out;
}

export function perSecond(records: DrillRecords, faults: FaultMark[] = [], lag: LagSample[] = []): PerSecond {
  // A last partial second under half a second long goes with the one before: a load stopped a
  // few milliseconds into a new second would show that second as one without a request.
  const seconds = Math.max(1, Math.round((records.stoppedAt - records.startedAt) / 1000));
  const buckets = Array.from({ length: seconds }, () => [] as RequestRecord[]);
  for (const r of records.requests) {
    const i = Math.floor((r.startedAt - records.startedAt) / 1000);
    buckets[Math.min(seconds - 1, Math.max(0, i))].push(r);
  }
  const p99 = (rs: RequestRecord[]) =>
    rs.length === 0
      ? null
      : percentile(
          rs.map((r) => r.ms),
          0.99,
        );
  const s: PerSecond = {
    t: [],
    reads: [],
    writes: [],
    failedReads: [],
    failedWriteAttempts: [],
    timedOut: [],
    unexpectedFailedReads: [],
    readP99Ms: [],
    writeP99Ms: [],
    degradedPercent: [],
    homeDegradedPercent: [],
    feedLag: lagPerSecond(records, seconds, lag, 'feed'),
    notificationsLag: lagPerSecond(records, seconds, lag, 'notifications'),
  };
  buckets.forEach((b, i) => {
    const reads = b.filter((r) => r.kind === 'read');
    const writes = b.filter((r) => r.kind === 'write');
    // Each second is drawn at its middle: what happened in 2.0–3.0 s sits at 2.5 s.
    s.t.push(i + 0.5);
    s.reads.push(reads.length);
    s.writes.push(writes.length);
    s.failedReads.push(reads.filter((r) => r.outcome === 'failed').length);
    s.failedWriteAttempts.push(writes.filter((r) => r.outcome === 'failed').length);
    s.timedOut.push(b.filter((r) => r.outcome === 'unknown').length);
    s.unexpectedFailedReads.push(reads.filter((r) => failed(r) && !readExpected(faults, r)).length);
    s.readP99Ms.push(p99(reads));
    s.writeP99Ms.push(p99(writes));
    s.degradedPercent.push(reads.length === 0 ? null : (100 * reads.filter((r) => r.degraded).length) / reads.length);
    const home = reads.filter((r) => r.route === HOME);
    s.homeDegradedPercent.push(home.length === 0 ? null : (100 * home.filter((r) => r.degraded).length) / home.length);
  });
  return s;
}

export function totals(records: DrillRecords, rec: Reconciliation, faults: FaultMark[]): Totals {
  const reads = records.requests.filter((r) => r.kind === 'read');
  const attempts = records.requests.filter((r) => r.kind === 'write');
  const failedReads = reads.filter(failed);
  const failedWrites = records.writes.filter((w) => w.outcome !== 'ok');
  const expectedReads = failedReads.filter((r) => readExpected(faults, r)).length;
  const expectedWrites = failedWrites.filter((w) => writeExpected(faults, w)).length;
  const readMs = reads.map((r) => r.ms);
  return {
    requests: records.requests.length,
    reads: reads.length,
    writes: records.writes.length,
    writeAttempts: attempts.length,
    failedReads: failedReads.length,
    failedReadsExpected: expectedReads,
    failedReadsUnexpected: failedReads.length - expectedReads,
    failedWrites: failedWrites.length,
    failedWritesExpected: expectedWrites,
    failedWritesUnexpected: failedWrites.length - expectedWrites,
    timedOut: records.requests.filter((r) => r.outcome === 'unknown').length,
    degradedReads: reads.filter((r) => r.degraded).length,
    lost: rec.lost.length,
    duplicated: rec.duplicated.length,
    recovered: rec.recovered.length,
    readP50Ms: percentile(readMs, 0.5),
    readP99Ms: percentile(readMs, 0.99),
    worstReadMs: Math.max(0, ...readMs),
    worstWriteMs: Math.max(0, ...attempts.map((r) => r.ms)),
  };
}

function faultsOnAxis(records: DrillRecords, faults: FaultMark[]): ReportFault[] {
  const s = (at: number) => Math.round((at - records.startedAt) / 100) / 10;
  return faults.map((f, i) => {
    const w = windowOf(faults, i);
    const inWindow = (at: number) => at >= w.from && at < w.to;
    const reads = records.requests.filter((r) => r.kind === 'read' && failed(r) && inWindow(r.startedAt));
    const writes = records.writes.filter((x) => x.outcome !== 'ok' && inWindow(writeAt(x)));
    return {
      ...f,
      startS: s(f.startedAt),
      endS: s(f.endedAt),
      failedReads: reads.length,
      failedReadsExpected: f.allows.reads ? reads.length : 0,
      failedWrites: writes.length,
      failedWritesExpected: writes.filter((x) => writeExpected(faults, x)).length,
    };
  });
}

const writeRoutes: Record<WriteRecord['kind'], string> = {
  post: 'POST /posts',
  like: 'PUT /posts/:id/like',
  follow: 'PUT /users/:username/follow',
  unfollow: 'DELETE /users/:username/follow',
  comment: 'POST /posts/:id/comments',
};

/** Home reads while feed was at 0, feed's lag peak and its drain after feed's return, the feeds' reconciliation. */
export function feedsReport(
  records: DrillRecords,
  faults: FaultMark[],
  lag: LagSample[],
  rec: FeedReconciliation,
): FeedsReport {
  const s = (at: number) => Math.round((at - records.startedAt) / 100) / 10;
  const home = records.requests.filter((r) => r.route === HOME);
  const feedDown = faults.find((f) => f.kind === 'scale-to-zero' && f.service === 'feed');
  const during = feedDown
    ? home.filter((r) => r.startedAt >= feedDown.startedAt && r.startedAt < feedDown.endedAt)
    : [];
  const feedLag = lag.filter((l) => l.byService.feed !== undefined);
  const peak = feedLag.reduce<LagSample | undefined>(
    (m, l) => (!m || l.byService.feed > m.byService.feed ? l : m),
    undefined,
  );
  const drained = feedDown ? feedLag.find((l) => l.at >= feedDown.endedAt && l.byService.feed === 0) : undefined;
  return {
    homeReads: home.length,
    homeReadsFeedDown: during.length,
    homeDegradedFeedDown: during.filter((r) => r.degraded).length,
    homeFailedFeedDown: during.filter(failed).length,
    lagPeak: peak?.byService.feed ?? 0,
    lagPeakS: peak ? s(peak.at) : null,
    drainedAfterS: feedDown && drained ? Math.round((drained.at - feedDown.endedAt) / 100) / 10 : null,
    reconciliation: {
      users: rec.users,
      checked: rec.checked,
      missing: rec.missing,
      twice: rec.twice,
      extra: rec.extra,
    },
  };
}

/** The lag of `service`'s consumers: its peak, and how soon after `down` ended it first read 0. */
function lagFigures(records: DrillRecords, lag: LagSample[], service: string, down: FaultMark | undefined) {
  const mine = lag.filter((l) => l.byService[service] !== undefined);
  const peak = mine.reduce<LagSample | undefined>(
    (m, l) => (!m || l.byService[service] > m.byService[service] ? l : m),
    undefined,
  );
  const drained = down ? mine.find((l) => l.at >= down.endedAt && l.byService[service] === 0) : undefined;
  return {
    lagPeak: peak?.byService[service] ?? 0,
    lagPeakS: peak ? Math.round((peak.at - records.startedAt) / 100) / 10 : null,
    drainedAfterS: down && drained ? Math.round((drained.at - down.endedAt) / 100) / 10 : null,
  };
}

/** The writes that feed notifications while it was at 0, its lag and drain, the recipient's notifications reconciled. */
export function notificationsReport(
  records: DrillRecords,
  faults: FaultMark[],
  lag: LagSample[],
  rec: NotificationReconciliation,
): NotificationsReport {
  const down = faults.find((f) => f.kind === 'scale-to-zero' && f.service === 'notifications');
  const feeding = down
    ? records.writes.filter((w) => w.kind !== 'post' && writeAt(w) >= down.startedAt && writeAt(w) < down.endedAt)
    : [];
  return {
    ...lagFigures(records, lag, 'notifications', down),
    writesWhileDown: feeding.length,
    failedWritesWhileDown: feeding.filter((w) => w.outcome !== 'ok').length,
    reconciliation: rec,
  };
}

function failureGroups(records: DrillRecords, faults: FaultMark[]): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  const add = (g: Omit<FailureGroup, 'count' | 'firstS' | 'lastS'>, at: number) => {
    const atS = Math.round((at - records.startedAt) / 100) / 10;
    const key = JSON.stringify([g.kind, g.route, g.status, g.service, g.expected]);
    const found = groups.get(key);
    if (found) {
      found.count++;
      found.firstS = Math.min(found.firstS, atS);
      found.lastS = Math.max(found.lastS, atS);
    } else groups.set(key, { ...g, count: 1, firstS: atS, lastS: atS });
  };
  for (const r of records.requests.filter((x) => x.kind === 'read' && failed(x))) {
    add(
      { kind: 'read', route: r.route, status: r.status, service: r.service, expected: readExpected(faults, r) },
      r.startedAt,
    );
  }
  for (const w of records.writes.filter((x) => x.outcome !== 'ok')) {
    add(
      {
        kind: 'write',
        route: writeRoutes[w.kind],
        status: w.statuses.at(-1) ?? 0,
        service: w.service,
        expected: writeExpected(faults, w),
      },
      writeAt(w),
    );
  }
  return [...groups.values()].sort((a, b) => Number(a.expected) - Number(b.expected) || a.firstS - b.firstS);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Post references wrong in the reconciled home feeds: missing, twice or not a followee's. */
export const feedErrors = (f: FeedsReport['reconciliation']) => f.missing.length + f.twice.length + f.extra.length;

export function verdict(
  t: Totals,
  faults: ReportFault[],
  feeds?: FeedsReport,
  notifications?: NotificationsReport,
): ChaosReport['verdict'] {
  const wrongInFeeds = feeds ? feedErrors(feeds.reconciliation) : 0;
  const wrongNotifications = notifications ? notificationErrors(notifications.reconciliation) : 0;
  const ok =
    t.failedReadsUnexpected === 0 &&
    t.failedWritesUnexpected === 0 &&
    t.lost === 0 &&
    t.duplicated === 0 &&
    wrongInFeeds === 0 &&
    wrongNotifications === 0;
  const reads = t.failedReadsExpected > 0 ? 'unexpected failed read' : 'failed read';
  // Writes are named only when one failed where nothing allowed it: the line stays short.
  const writes =
    t.failedWritesUnexpected > 0 ? ` · ${plural(t.failedWritesUnexpected, 'unexpected failed write')}` : '';
  // Feeds likewise: named only when one held a post it should not, or lacked one.
  const feedsPart =
    wrongInFeeds > 0 ? ` · ${plural(wrongInFeeds, 'wrong home-feed entry', 'wrong home-feed entries')}` : '';
  const notificationsPart = wrongNotifications > 0 ? ` · ${plural(wrongNotifications, 'wrong notification')}` : '';
  const headline = `${plural(t.failedReadsUnexpected, reads)}${writes} · ${t.lost} lost · ${t.duplicated} duplicated${feedsPart}${notificationsPart}`;
  const expected = faults
    .filter((f) => f.failedReadsExpected + f.failedWritesExpected > 0)
    .map((f) => {
      const what = [
        ...(f.failedReadsExpected > 0 ? [plural(f.failedReadsExpected, 'read')] : []),
        ...(f.failedWritesExpected > 0
          ? [
              plural(
                f.failedWritesExpected,
                f.allows.writes === 'likes' ? 'like' : f.allows.writes === 'follows' ? 'follow' : 'write',
              ),
            ]
          : []),
      ];
      return `during fault ${f.id} (${f.label}), ${what.join(' and ')} answered 503`;
    });
  return {
    ok,
    headline,
    expected:
      expected.length === 0
        ? t.failedReads + t.failedWrites === 0
          ? 'No request failed.'
          : 'No failure was one docs/fail-soft.md allows.'
        : `Expected, as docs/fail-soft.md says: ${expected.join('; ')}. Each write was tried 4 times with the same key.`,
  };
}

export function buildReport(o: {
  scenario: ChaosReport['scenario'];
  records: DrillRecords;
  reconciliation: Reconciliation;
  feedReconciliation: FeedReconciliation;
  notificationReconciliation: NotificationReconciliation;
  lag: LagSample[];
  faults: FaultMark[];
  replicas: Record<string, number>;
  machine: ChaosReport['machine'];
}): ChaosReport {
  const t = totals(o.records, o.reconciliation, o.faults);
  const faults = faultsOnAxis(o.records, o.faults);
  const feeds = feedsReport(o.records, o.faults, o.lag, o.feedReconciliation);
  const notifications = notificationsReport(o.records, o.faults, o.lag, o.notificationReconciliation);
  return {
    scenario: o.scenario,
    startedAt: new Date(o.records.startedAt).toISOString(),
    durationS: Math.round((o.records.stoppedAt - o.records.startedAt) / 100) / 10,
    machine: o.machine,
    replicas: o.replicas,
    faults,
    series: perSecond(o.records, o.faults, o.lag),
    failures: failureGroups(o.records, o.faults),
    totals: t,
    lostWrites: o.reconciliation.lost,
    duplicatedWrites: o.reconciliation.duplicated,
    feeds,
    notifications,
    verdict: verdict(t, faults, feeds, notifications),
  };
}

/** The one line `npm run chaos` prints. */
export function summaryLine(r: ChaosReport): string {
  const t = r.totals;
  return (
    `[chaos] ${r.verdict.ok ? 'PASS' : 'FAIL'} ${r.verdict.headline} · ${t.requests} requests in ${r.durationS} s` +
    ` · failed reads ${t.failedReads} (${t.failedReadsExpected} expected) · failed writes ${t.failedWrites}/${t.writes}` +
    ` (${t.failedWritesExpected} expected) · timed out ${t.timedOut} · degraded reads ${t.degradedReads}` +
    ` · read p50/p99/max ${t.readP50Ms.toFixed(0)}/${t.readP99Ms.toFixed(0)}/${t.worstReadMs.toFixed(0)} ms` +
    ` · home reads degraded while feed was down ${r.feeds.homeDegradedFeedDown}/${r.feeds.homeReadsFeedDown}` +
    ` · feed lag peak ${r.feeds.lagPeak}, drained ${r.feeds.drainedAfterS === null ? 'never seen' : `${r.feeds.drainedAfterS} s after its return`}` +
    ` · feeds ${r.feeds.reconciliation.users} checked, ${feedErrors(r.feeds.reconciliation)} wrong` +
    ` · notifications ${r.notifications.reconciliation.listed} listed, ${notificationErrors(r.notifications.reconciliation)} wrong` +
    ` (unread ${r.notifications.reconciliation.unread}/${r.notifications.reconciliation.unreadExpected})` +
    ` · ${r.faults.length} faults`
  );
}
