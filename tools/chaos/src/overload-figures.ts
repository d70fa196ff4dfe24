// The overload drill's arithmetic, pure: each arrival's answer sorted into what the drill's
// criteria tell apart (served well, served degraded, served late, refused fast, failed slowly), a step's
// figures, the p99 over time (by intended start) and how long it took to come back after a spike,
// and the pass criteria over a whole run.

/** One arrival as the drill saw it. */
export interface Arrival {
  /** Its kind of request in the mix (absent: counted in the totals only). */
  kind?: string;
  /** Intended start, ms from the start of its run. */
  intendedMs: number;
  /** From its intended start to its answer (0 when unsent). */
  latencyMs: number;
  outcome: number | 'timeout' | 'network' | 'unsent';
  /** A 2xx whose body said `degraded: [...]` with at least one service. */
  degraded: boolean;
  /** The services it named there (the page's and its items'). */
  degradedServices?: string[];
  /** A refusal that said when to come back (Retry-After). */
  retryAfter: boolean;
}

/** How an arrival ended, against the goodput threshold. */
export type Fate = 'full' | 'degraded' | 'late' | 'refusedFast' | 'failedSlow' | 'rejected' | 'unsent';

export const GOODPUT_MS = 500;

export function fateOf(a: Arrival, goodputMs = GOODPUT_MS): Fate {
  if (a.outcome === 'unsent') return 'unsent';
  if (typeof a.outcome !== 'number' || a.latencyMs > goodputMs)
    return typeof a.outcome === 'number' && a.outcome >= 200 && a.outcome < 300 ? 'late' : 'failedSlow';
  if (a.outcome >= 200 && a.outcome < 300) return a.degraded ? 'degraded' : 'full';
  if (a.outcome === 503 || a.outcome === 429) return 'refusedFast';
  return 'rejected';
}

export interface StepFigures {
  offered: number;
  /** Answers by fate (see Fate). */
  fates: Record<Fate, number>;
  /** 2xx within the threshold, full or degraded: the route's own part was served in time. */
  goodput: number;
  goodputPerSec: number;
  /** Shares of the offered arrivals. */
  goodShare: number;
  degradedShare: number;
  refusedShare: number;
  /** Failed or answered after the threshold: the timeouts the drill wants none of. */
  slowShare: number;
  /** Refusals (fast 503/429) that carried Retry-After, of all fast refusals. */
  refusalsWithRetryAfter: number;
  /** Degraded answers by the service they left out (one answer may name several). */
  degradedBy: Record<string, number>;
  /** p99 of each kind of request, ms. */
  p99ByKind: Record<string, number>;
  /** Of everything answered (any status), from intended start. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;
const r1 = (n: number) => Math.round(n * 10) / 10;

/** The value at quantile q of sorted values (nearest rank); 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function stepFigures(arrivals: readonly Arrival[], seconds: number, goodputMs = GOODPUT_MS): StepFigures {
  const fates: Record<Fate, number> = {
    full: 0,
    degraded: 0,
    late: 0,
    refusedFast: 0,
    failedSlow: 0,
    rejected: 0,
    unsent: 0,
  };
  let withRetryAfter = 0;
  const latencies: number[] = [];
  const degradedBy: Record<string, number> = {};
  for (const a of arrivals) {
    const fate = fateOf(a, goodputMs);
    fates[fate]++;
    for (const s of a.degradedServices ?? []) degradedBy[s] = (degradedBy[s] ?? 0) + 1;
    if (fate === 'refusedFast' && a.retryAfter) withRetryAfter++;
    if (a.outcome !== 'unsent') latencies.push(a.latencyMs);
  }
  latencies.sort((a, b) => a - b);
  const byKind = new Map<string, number[]>();
  for (const a of arrivals)
    if (a.kind !== undefined && a.outcome !== 'unsent') {
      let ks = byKind.get(a.kind);
      if (!ks) byKind.set(a.kind, (ks = []));
      ks.push(a.latencyMs);
    }
  const p99ByKind = Object.fromEntries(
    [...byKind].map(([k, ms]) => [
      k,
      r1(
        quantile(
          ms.sort((x, y) => x - y),
          0.99,
        ),
      ),
    ]),
  );
  const n = arrivals.length || 1;
  const goodput = fates.full + fates.degraded;
  return {
    offered: arrivals.length,
    fates,
    goodput,
    goodputPerSec: r1(goodput / seconds),
    goodShare: r3(goodput / n),
    degradedShare: r3(fates.degraded / n),
    refusedShare: r3(fates.refusedFast / n),
    slowShare: r3((fates.late + fates.failedSlow + fates.unsent) / n),
    refusalsWithRetryAfter: fates.refusedFast ? r3(withRetryAfter / fates.refusedFast) : 1,
    degradedBy,
    p99ByKind,
    p50Ms: r1(quantile(latencies, 0.5)),
    p99Ms: r1(quantile(latencies, 0.99)),
    maxMs: r1(latencies.at(-1) ?? 0),
  };
}

/** One window of a run, by intended start. */
export interface Window {
  /** Window start, s from the run's start. */
  atS: number;
  offered: number;
  p99Ms: number;
  goodShare: number;
  degradedShare: number;
  refusedShare: number;
}

/** The run cut into windows of `windowMs` by intended start: what arrived then, and how it fared. */
export function windows(arrivals: readonly Arrival[], seconds: number, windowMs = 500): Window[] {
  const count = Math.ceil((seconds * 1000) / windowMs);
  const buckets: Arrival[][] = Array.from({ length: count }, () => []);
  for (const a of arrivals) buckets[Math.min(count - 1, Math.floor(a.intendedMs / windowMs))]?.push(a);
  return buckets.map((b, i) => {
    const f = stepFigures(b, windowMs / 1000);
    return {
      atS: (i * windowMs) / 1000,
      offered: f.offered,
      p99Ms: f.p99Ms,
      goodShare: f.goodShare,
      degradedShare: f.degradedShare,
      refusedShare: f.refusedShare,
    };
  });
}

/**
 * Seconds from `fromS` (the spike's end) until every later window (with arrivals) has its p99
 * under `underMs`: 0 when none after it is over; null when the run ended before that held.
 */
export function recoveryS(series: readonly Window[], fromS: number, underMs = GOODPUT_MS): number | null {
  const after = series.filter((w) => w.atS >= fromS && w.offered > 0);
  if (after.length === 0) return null;
  let lastBad = -1;
  after.forEach((w, i) => {
    if (w.p99Ms >= underMs) lastBad = i;
  });
  if (lastBad === after.length - 1) return null;
  if (lastBad === -1) return 0;
  return r1(after[lastBad + 1].atS - fromS);
}

/** Edge counters around a step: NATS requests the routes wanted, and what was sent for them. */
export interface Attempts {
  /** Requests the edge's routes made of services (sent, skipped by brownout or by an open breaker). */
  wanted: number;
  /** Of those, sent over NATS (not skipped). */
  sent: number;
  /** Asked again: retries after a timeout or a refusal, and hedges. */
  retries: number;
}

/** Attempts ÷ offered at the mesh: (sent + retries) ÷ wanted (≤ 1 when brownout skips more than retries add). */
export function amplification(a: Attempts): number {
  return a.wanted ? r3((a.sent + a.retries) / a.wanted) : 0;
}

/** Sums of the edge's NATS counters in a Prometheus exposition. */
export function attemptsIn(metrics: string): Attempts {
  let wanted = 0;
  let sent = 0;
  let retries = 0;
  for (const m of metrics.matchAll(/^nats_requests_total\{([^}]*)\} (\d+(?:\.\d+)?)$/gm)) {
    const n = Number(m[2]);
    wanted += n;
    if (!/outcome="(brownout|circuit-open)"/.test(m[1])) sent += n;
  }
  for (const m of metrics.matchAll(/^nats_retries_total\{[^}]*\} (\d+(?:\.\d+)?)$/gm)) retries += Number(m[1]);
  return { wanted, sent, retries };
}

export const attemptsBetween = (before: Attempts, after: Attempts): Attempts => ({
  wanted: after.wanted - before.wanted,
  sent: after.sent - before.sent,
  retries: after.retries - before.retries,
});
