import { describe, expect, it } from 'vitest';
import type { DrillRecords, NotificationReconciliation, RequestRecord, WriteRecord } from '#testing';
import { buildReport, feedsReport, notificationsReport, perSecond } from './chaos-figures.js';
import { RECOVERY_MS, type FaultMark, type LagSample } from './chaos-report-model.js';

const T0 = 1_000_000;

const req = (at: number, o: Partial<RequestRecord> = {}): RequestRecord => ({
  kind: 'read',
  route: 'GET /posts/:id',
  startedAt: T0 + at,
  ms: 10,
  status: 200,
  outcome: 'ok',
  degraded: false,
  ...o,
});

const write = (at: number, o: Partial<WriteRecord> = {}): WriteRecord => ({
  kind: 'post',
  key: `k${at}`,
  outcome: 'ok',
  statuses: [201],
  firstAttemptAt: T0 + at,
  lastAttemptAt: T0 + at,
  ...o,
});

const fault = (id: number, from: number, to: number, allows: FaultMark['allows']): FaultMark => ({
  id,
  kind: allows.reads ? 'postgres' : 'scale-to-zero',
  label: `fault ${id}`,
  detail: '',
  startedAt: T0 + from,
  endedAt: T0 + to,
  allows,
});

describe('perSecond', () => {
  it('counts a load stopped a few milliseconds into a second with the second before, not as an empty one', () => {
    const records: DrillRecords = {
      startedAt: T0,
      stoppedAt: T0 + 2003,
      requests: [req(100), req(1100), req(1900), req(2001)],
      writes: [],
    };
    expect(perSecond(records).reads).toEqual([1, 3]);
  });

  it('puts each request in the second it was sent, drawn at the middle of that second', () => {
    const records: DrillRecords = {
      startedAt: T0,
      stoppedAt: T0 + 2500,
      requests: [
        req(100, { ms: 5 }),
        req(900, { ms: 50, degraded: true }),
        req(1200, { kind: 'write', route: 'POST /posts', status: 503, outcome: 'failed', ms: 3 }),
        req(1300, { status: 503, outcome: 'failed' }),
        req(2100, { status: 0, outcome: 'unknown', ms: 3000 }),
      ],
      writes: [],
    };
    expect(perSecond(records)).toEqual({
      t: [0.5, 1.5, 2.5],
      reads: [2, 1, 1],
      writes: [0, 1, 0],
      failedReads: [0, 1, 0],
      failedWriteAttempts: [0, 1, 0],
      timedOut: [0, 0, 1],
      unexpectedFailedReads: [0, 1, 1],
      readP99Ms: [50, 10, 3000],
      writeP99Ms: [null, 3, null],
      degradedPercent: [50, 0, 0],
      homeDegradedPercent: [null, null, null],
      feedLag: [null, null, null],
      notificationsLag: [null, null, null],
    });
  });

  it("draws home reads' degraded share and feed's last lag reading of each second", () => {
    const records: DrillRecords = {
      startedAt: T0,
      stoppedAt: T0 + 3000,
      requests: [
        req(100, { route: 'GET /timeline/home', degraded: true }),
        req(200, { route: 'GET /timeline/home' }),
        req(1100, { route: 'GET /timeline/home' }),
      ],
      writes: [],
    };
    const lag: LagSample[] = [
      { at: T0 + 300, byService: { feed: 4, media: 0 } },
      { at: T0 + 800, byService: { feed: 9, media: 0 } },
      { at: T0 + 2100, byService: { media: 1, notifications: 3 } },
    ];
    const s = perSecond(records, [], lag);
    expect([s.homeDegradedPercent, s.feedLag, s.notificationsLag]).toEqual([
      [50, 0, null],
      [9, null, null],
      [null, null, 3],
    ]);
  });
});

const noNotifications: NotificationReconciliation = {
  expected: 0,
  listed: 0,
  missing: [],
  twice: [],
  extra: [],
  wrongCount: [],
  unread: 0,
  unreadExpected: 0,
};

describe('feedsReport', () => {
  const feedDown = { ...fault(1, 1000, 3000, { reads: false, writes: 'none' }), service: 'feed' };
  const records: DrillRecords = {
    startedAt: T0,
    stoppedAt: T0 + 10_000,
    requests: [
      req(500, { route: 'GET /timeline/home' }),
      req(1500, { route: 'GET /timeline/home', degraded: true }),
      req(2000, { route: 'GET /timeline/home', degraded: true }),
      req(2500, { route: 'GET /timeline/home', status: 503, outcome: 'failed' }),
      req(2600, { route: 'GET /posts/:id', degraded: true }),
      req(3500, { route: 'GET /timeline/home' }),
    ],
    writes: [],
  };
  const lag = [
    { at: T0 + 900, byService: { feed: 0 } },
    { at: T0 + 2900, byService: { feed: 40 } },
    { at: T0 + 3900, byService: { feed: 12 } },
    { at: T0 + 4900, byService: { feed: 0 } },
  ];
  const rec = { users: 3, checked: 120, missing: [], twice: ['a p1 ×2'], extra: [] };

  it('counts home reads while feed was at 0, the lag peak and its drain after the return', () => {
    expect(feedsReport(records, [feedDown], lag, rec)).toEqual({
      homeReads: 5,
      homeReadsFeedDown: 3,
      homeDegradedFeedDown: 2,
      homeFailedFeedDown: 1,
      lagPeak: 40,
      lagPeakS: 2.9,
      drainedAfterS: 1.9,
      reconciliation: rec,
    });
  });

  it('says "never drained" (null) when no reading of 0 came after the return', () => {
    const f = feedsReport(records, [feedDown], lag.slice(0, 3), rec);
    expect([f.lagPeak, f.drainedAfterS]).toEqual([40, null]);
  });

  it('fails the verdict on a wrong home-feed entry, and names it', () => {
    const r = buildReport({
      scenario: 'short',
      records,
      reconciliation: { lost: [], duplicated: [], recovered: [] },
      feedReconciliation: rec,
      notificationReconciliation: noNotifications,
      lag,
      faults: [feedDown],
      replicas: {},
      machine: { cpus: 2, node: 'v20', loadAverage: 1 },
    });
    expect([r.verdict.ok, r.verdict.headline]).toEqual([
      false,
      '1 failed read · 0 lost · 0 duplicated · 1 wrong home-feed entry',
    ]);
  });
});

describe('buildReport', () => {
  const faults = [
    fault(1, 1000, 3000, { reads: false, writes: 'likes' }),
    fault(2, 5000, 6000, { reads: false, writes: 'none' }),
    fault(3, 20_000, 23_000, { reads: true, writes: 'all' }),
    fault(4, 40_000, 41_000, { reads: false, writes: 'follows' }),
  ];
  const records: DrillRecords = {
    startedAt: T0,
    stoppedAt: T0 + 30_000,
    requests: [
      req(500),
      // Under fault 3 (reads allowed to fail), and after its end within RECOVERY_MS.
      req(21_000, { status: 503, outcome: 'failed' }),
      req(23_000 + RECOVERY_MS - 1, { status: 503, outcome: 'failed' }),
      // After fault 1's end, but inside fault 2's span: fault 2 answers for it, and allows nothing.
      req(5500, { status: 503, outcome: 'failed', ms: 700 }),
      // Long after every fault.
      req(29_000, { status: 0, outcome: 'unknown', ms: 3000 }),
    ],
    writes: [
      write(1500, { kind: 'like', outcome: 'failed', statuses: [503, 503, 503, 503] }),
      write(1600, { kind: 'post', outcome: 'failed', statuses: [503, 503, 503, 503] }),
      write(22_000, { kind: 'post', outcome: 'failed', statuses: [503, 503, 503, 503] }),
      write(8000),
      write(40_500, { kind: 'follow', username: 'x', outcome: 'failed', statuses: [503, 503, 503, 503] }),
    ],
  };
  const report = buildReport({
    scenario: 'short',
    records,
    reconciliation: { lost: [], duplicated: ['post kX ×2'], recovered: [] },
    feedReconciliation: { users: 0, checked: 0, missing: [], twice: [], extra: [] },
    notificationReconciliation: noNotifications,
    lag: [],
    faults,
    replicas: { posts: 2 },
    machine: { cpus: 2, node: 'v20', loadAverage: 1 },
  });

  it('tells expected failures (the fault allows them) from unexpected ones', () => {
    expect(report.totals).toMatchObject({
      requests: 5,
      reads: 5,
      writes: 5,
      failedReads: 4,
      failedReadsExpected: 2,
      failedReadsUnexpected: 2,
      failedWrites: 4,
      failedWritesExpected: 3,
      failedWritesUnexpected: 1,
      timedOut: 1,
      duplicated: 1,
      lost: 0,
      worstReadMs: 3000,
    });
  });

  it('places the faults on the axis and counts what failed in each span, never twice', () => {
    expect(
      report.faults.map((f) => [f.id, f.startS, f.endS, f.failedReads, f.failedReadsExpected, f.failedWrites]),
    ).toEqual([
      [1, 1, 3, 0, 0, 2],
      [2, 5, 6, 1, 0, 0],
      [3, 20, 23, 2, 2, 1],
      [4, 40, 41, 0, 0, 1],
    ]);
  });

  it('groups what failed, the unexpected first', () => {
    expect(report.failures).toEqual([
      { kind: 'write', route: 'POST /posts', status: 503, expected: false, count: 1, firstS: 1.6, lastS: 1.6 },
      { kind: 'read', route: 'GET /posts/:id', status: 503, expected: false, count: 1, firstS: 5.5, lastS: 5.5 },
      { kind: 'read', route: 'GET /posts/:id', status: 0, expected: false, count: 1, firstS: 29, lastS: 29 },
      { kind: 'write', route: 'PUT /posts/:id/like', status: 503, expected: true, count: 1, firstS: 1.5, lastS: 1.5 },
      { kind: 'read', route: 'GET /posts/:id', status: 503, expected: true, count: 2, firstS: 21, lastS: 28 },
      { kind: 'write', route: 'POST /posts', status: 503, expected: true, count: 1, firstS: 22, lastS: 22 },
      {
        kind: 'write',
        route: 'PUT /users/:username/follow',
        status: 503,
        expected: true,
        count: 1,
        firstS: 40.5,
        lastS: 40.5,
      },
    ]);
  });

  it('says the verdict in one line, with what was expected beside it', () => {
    expect(report.verdict).toEqual({
      ok: false,
      headline: '2 unexpected failed reads · 1 unexpected failed write · 0 lost · 1 duplicated',
      expected:
        'Expected, as docs/fail-soft.md says: during fault 1 (fault 1), 1 like answered 503; during fault 3 (fault 3), ' +
        '2 reads and 1 write answered 503; during fault 4 (fault 4), 1 follow answered 503. Each write was tried 4 times with the same key.',
    });
  });

  it('passes when nothing failed', () => {
    const calm = buildReport({
      scenario: 'short',
      records: { startedAt: T0, stoppedAt: T0 + 1000, requests: [req(10)], writes: [write(20)] },
      reconciliation: { lost: [], duplicated: [], recovered: [] },
      feedReconciliation: { users: 0, checked: 0, missing: [], twice: [], extra: [] },
      notificationReconciliation: noNotifications,
      lag: [],
      faults: [],
      replicas: {},
      machine: { cpus: 2, node: 'v20', loadAverage: 1 },
    });
    expect(calm.verdict).toEqual({
      ok: true,
      headline: '0 failed reads · 0 lost · 0 duplicated',
      expected: 'No request failed.',
    });
  });
});

describe('notificationsReport', () => {
  const down: FaultMark = {
    id: 1,
    kind: 'scale-to-zero',
    service: 'notifications',
    label: 'notifications → 0',
    detail: 'x',
    startedAt: T0 + 1000,
    endedAt: T0 + 4000,
    allows: { reads: false, writes: 'none' },
  };
  const at = (ms: number, w: Partial<WriteRecord>): WriteRecord => ({
    kind: 'like',
    key: `k${ms}`,
    outcome: 'ok',
    statuses: [204],
    firstAttemptAt: T0 + ms,
    lastAttemptAt: T0 + ms,
    ...w,
  });
  const records: DrillRecords = {
    startedAt: T0,
    stoppedAt: T0 + 6000,
    requests: [],
    writes: [
      at(500, {}),
      at(1500, {}),
      at(2000, { kind: 'comment', outcome: 'failed', statuses: [503] }),
      at(2500, { kind: 'post' }),
      at(3000, { kind: 'follow' }),
      at(4500, {}),
    ],
  };
  const lag: LagSample[] = [
    { at: T0 + 1200, byService: { notifications: 3 } },
    { at: T0 + 3900, byService: { notifications: 9 } },
    { at: T0 + 4200, byService: { notifications: 2 } },
    { at: T0 + 5100, byService: { notifications: 0 } },
  ];

  it("counts the writes feeding notifications while it was at 0, its lag's peak and its drain", () => {
    expect(notificationsReport(records, [down], lag, noNotifications)).toEqual({
      lagPeak: 9,
      lagPeakS: 3.9,
      drainedAfterS: 1.1,
      writesWhileDown: 3,
      failedWritesWhileDown: 1,
      reconciliation: noNotifications,
    });
  });

  it('fails the verdict on a wrong notification or unread count, and names it', () => {
    const r = buildReport({
      scenario: 'short',
      records: { ...records, requests: [] },
      reconciliation: { lost: [], duplicated: [], recovered: [] },
      feedReconciliation: { users: 0, checked: 0, missing: [], twice: [], extra: [] },
      notificationReconciliation: {
        ...noNotifications,
        listed: 2,
        twice: ['like p1 ×2'],
        unread: 1,
        unreadExpected: 2,
      },
      lag,
      faults: [down],
      replicas: {},
      machine: { cpus: 2, node: 'v20', loadAverage: 1 },
    });
    expect([r.verdict.ok, r.verdict.headline]).toEqual([
      false,
      '0 failed reads · 1 unexpected failed write · 0 lost · 0 duplicated · 2 wrong notifications',
    ]);
  });
});
