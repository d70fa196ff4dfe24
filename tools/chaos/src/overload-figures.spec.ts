import { describe, expect, it } from 'vitest';
import { judge } from './overload-criteria.js';
import {
  amplification,
  attemptsBetween,
  attemptsIn,
  fateOf,
  quantile,
  recoveryS,
  stepFigures,
  windows,
  type Arrival,
} from './overload-figures.js';
import type { OverloadArm, OverloadStep } from './overload-model.js';

const a = (o: Partial<Arrival>): Arrival => ({
  intendedMs: 0,
  latencyMs: 10,
  outcome: 200,
  degraded: false,
  retryAfter: false,
  ...o,
});

describe('the fate of an arrival', () => {
  it('tells served in time (full or degraded), late, refused fast, failed slowly, rejected and unsent apart', () => {
    expect(fateOf(a({}))).toBe('full');
    expect(fateOf(a({ degraded: true }))).toBe('degraded');
    expect(fateOf(a({ latencyMs: 501 }))).toBe('late');
    expect(fateOf(a({ latencyMs: 500 }))).toBe('full');
    expect(fateOf(a({ outcome: 503, latencyMs: 3 }))).toBe('refusedFast');
    expect(fateOf(a({ outcome: 429, latencyMs: 3 }))).toBe('refusedFast');
    expect(fateOf(a({ outcome: 503, latencyMs: 2000 }))).toBe('failedSlow');
    expect(fateOf(a({ outcome: 'timeout', latencyMs: 5000 }))).toBe('failedSlow');
    expect(fateOf(a({ outcome: 'network', latencyMs: 1 }))).toBe('failedSlow');
    expect(fateOf(a({ outcome: 404 }))).toBe('rejected');
    expect(fateOf(a({ outcome: 'unsent', latencyMs: 0 }))).toBe('unsent');
  });
});

describe("a step's figures", () => {
  it('counts shares of the offered arrivals, goodput per second, and percentiles of what was answered', () => {
    const arrivals = [
      ...Array.from({ length: 6 }, (_, i) => a({ kind: 'read', latencyMs: 10 + i })),
      a({ degraded: true, degradedServices: ['likes', 'media'], latencyMs: 20 }),
      a({ outcome: 503, latencyMs: 2, retryAfter: true }),
      a({ outcome: 503, latencyMs: 2 }),
      a({ outcome: 'unsent', latencyMs: 0 }),
    ];
    const f = stepFigures(arrivals, 2);
    expect(f.offered).toBe(10);
    expect(f.fates).toMatchObject({ full: 6, degraded: 1, refusedFast: 2, unsent: 1, late: 0, failedSlow: 0 });
    expect(f.goodput).toBe(7);
    expect(f.goodputPerSec).toBe(3.5);
    expect([f.goodShare, f.degradedShare, f.refusedShare, f.slowShare]).toEqual([0.7, 0.1, 0.2, 0.1]);
    expect(f.refusalsWithRetryAfter).toBe(0.5);
    expect(f.degradedBy).toEqual({ likes: 1, media: 1 });
    expect(f.p99ByKind).toEqual({ read: 15 });
    // Nine answered (the unsent one has no latency): 2, 2, 10…15, 20.
    expect(f.p50Ms).toBe(12);
    expect(f.p99Ms).toBe(20);
    expect(f.maxMs).toBe(20);
  });

  it('quantile is the nearest rank', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([], 0.99)).toBe(0);
  });
});

describe('the spike: windows and recovery', () => {
  // 1 s of fine answers, 1 s of slow ones (the spike), then 0.5 s slow and 1.5 s fine.
  const arrivals = Array.from({ length: 400 }, (_, i) => {
    const intendedMs = i * 10;
    return a({ intendedMs, latencyMs: intendedMs >= 1000 && intendedMs < 2500 ? 900 : 20 });
  });

  it('cuts the run into windows by intended start', () => {
    const w = windows(arrivals, 4);
    expect(w.map((x) => x.atS)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
    expect(w.map((x) => x.p99Ms)).toEqual([20, 20, 900, 900, 900, 20, 20, 20]);
    expect(w.every((x) => x.offered === 50)).toBe(true);
  });

  it('recovery: from the spike end to the first window after which every p99 is under 500 ms', () => {
    const w = windows(arrivals, 4);
    expect(recoveryS(w, 2)).toBe(0.5);
    expect(recoveryS(w, 2.5)).toBe(0);
    // Still slow in the last window: not recovered by the end of the run.
    expect(
      recoveryS(
        windows(
          arrivals.map((x) => ({ ...x, latencyMs: 900 })),
          4,
        ),
        2,
      ),
    ).toBeNull();
  });
});

describe('retry amplification from the edge counters', () => {
  const metrics = (requests: number, browned: number, retries: number) =>
    [
      '# HELP nats_requests_total x',
      `nats_requests_total{subject="posts.get",outcome="ok"} ${requests}`,
      `nats_requests_total{subject="likes.counts",outcome="brownout"} ${browned}`,
      `nats_requests_total{subject="likes.counts",outcome="circuit-open"} 1`,
      `nats_retries_total{subject="posts.get",cause="overloaded"} ${retries}`,
      `nats_retries_total{subject="likes.counts",cause="p95"} 2`,
      'nats_retries_refused_total{subject="posts.get"} 40',
    ].join('\n');

  it('is (sent + retries) ÷ wanted, brownout and open-breaker skips counted as wanted but not sent', () => {
    const before = attemptsIn(metrics(100, 0, 0));
    expect(before).toEqual({ wanted: 101, sent: 100, retries: 2 });
    const step = attemptsBetween(before, attemptsIn(metrics(300, 50, 30)));
    expect(step).toEqual({ wanted: 250, sent: 200, retries: 30 });
    expect(amplification(step)).toBe(0.92);
    expect(amplification({ wanted: 0, sent: 0, retries: 0 })).toBe(0);
  });
});

describe('the pass criteria', () => {
  const step = (multiple: number, o: Partial<OverloadStep>): OverloadStep => ({
    ...stepFigures([], 1),
    multiple,
    ratePerSec: multiple * 100,
    seconds: 30,
    slices: 1,
    readP99Ms: 150,
    amplification: 1.05,
    retries: 0,
    generatorLagP99Ms: 1,
    rss: { edgeMb: 100, largestReplicaMb: 120, largestReplica: 'posts' },
    goodputPerSec: Math.min(multiple, 1) * 100,
    p99Ms: 200,
    refusalsWithRetryAfter: 1,
    ...o,
  });
  const arm = (protection: boolean, over: Partial<OverloadStep>, recovery: number | null): OverloadArm => ({
    arm: protection ? 'on' : 'off',
    protection,
    steps: [step(0.5, {}), step(1, {}), step(2, over), step(4, over)],
    spike: {
      ...stepFigures([], 1),
      lowRatePerSec: 50,
      highRatePerSec: 400,
      spikeFromS: 10,
      spikeToS: 20,
      seconds: 40,
      series: [],
      recoveryS: recovery,
      amplification: 1.1,
    },
    slowReplica: {
      ...stepFigures([], 1),
      service: 'likes',
      multiple: 0.5,
      ratePerSec: 50,
      seconds: 30,
      how: 'bursts',
      p99Ms: 300,
      readP99Ms: 250,
      healthy: [
        { id: 'a', slow: true, share: 0.33, meanMs: 2 },
        { id: 'b', slow: false, share: 0.33, meanMs: 2 },
        { id: 'c', slow: false, share: 0.34, meanMs: 2 },
      ],
      during: [
        { id: 'a', slow: true, share: 0.1, meanMs: 2 },
        { id: 'b', slow: false, share: 0.45, meanMs: 2.5 },
        { id: 'c', slow: false, share: 0.45, meanMs: 2.4 },
      ],
    },
  });

  it('passes a run that kept its goodput, refused fast, recovered and moved the slow replica’s share', () => {
    const c = judge(
      [
        arm(true, { goodputPerSec: 97, degradedShare: 0.3, refusedShare: 0.4, slowShare: 0.01 }, 1),
        arm(false, { goodputPerSec: 20, slowShare: 0.8 }, null),
      ],
      100,
    );
    expect(c.map((x) => [x.name.slice(0, 24), x.pass])).toEqual(c.map((x) => [x.name.slice(0, 24), true]));
    expect(c[0].measured).toContain('on: 100/s at 1×, 97/s at 2×, 97/s at 4× (97 %)');
    expect(c[4].measured).toContain('on: 1 s after the spike');
    expect(c[4].measured).toContain('off: not by the end');
  });

  it('fails the ones a run missed: goodput lost past the knee, timeouts, amplification, no recovery', () => {
    const bad = arm(true, { goodputPerSec: 60, slowShare: 0.3, amplification: 1.5 }, null);
    const c = judge([bad, arm(false, {}, null)], 100);
    const failed = c.filter((x) => !x.pass).map((x) => x.name.split(' ')[0]);
    expect(failed).toEqual(['critical', 'the', 'retry', 'after']);
  });
});
