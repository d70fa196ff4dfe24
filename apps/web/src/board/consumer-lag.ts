// What the board's consumer-lag panel computes from GET /mesh's `consumers`: one line per
// consuming service (its durables summed), the backlog's trend over the readings the edge kept,
// and whether events pile up for a service that is down. Pure.

export interface BoardConsumer {
  consumer: string;
  service: string;
  subject: string;
  pending: number;
  inFlight: number;
  oldestUnackedSeconds: number;
  /** pending + inFlight of the edge's last readings, oldest first. */
  history: number[];
  readAt: string | null;
  error: string | null;
}

export type LagTrend = 'rising' | 'draining' | 'steady';

export interface ServiceLag {
  service: string;
  pending: number;
  inFlight: number;
  /** The oldest unacknowledged event of any of its consumers, in seconds. */
  oldestUnackedSeconds: number;
  trend: LagTrend;
  /** The backlog's change over the readings kept (newest − oldest). */
  change: number;
  /** No replica serves it and it has a backlog: events pile up until it is back. */
  piling: boolean;
  /** A reading failed for one of its consumers (its figures are the last good ones). */
  error: string | null;
  consumers: BoardConsumer[];
}

export function lagTrend(history: readonly number[]): { trend: LagTrend; change: number } {
  if (history.length < 2) return { trend: 'steady', change: 0 };
  const change = history[history.length - 1] - history[0];
  return { trend: change > 0 ? 'rising' : change < 0 ? 'draining' : 'steady', change };
}

/** Sums two histories aligned on their newest reading (a shorter one counts from where it starts). */
function sumHistories(histories: number[][]): number[] {
  const n = Math.max(0, ...histories.map((h) => h.length));
  return Array.from({ length: n }, (_, i) => histories.reduce((sum, h) => sum + (h[h.length - n + i] ?? h[0] ?? 0), 0));
}

/** One entry per consuming service, in the order its first consumer is listed. */
export function lagByService(consumers: readonly BoardConsumer[], down: ReadonlySet<string>): ServiceLag[] {
  const groups = new Map<string, BoardConsumer[]>();
  for (const c of consumers) groups.set(c.service, [...(groups.get(c.service) ?? []), c]);
  return [...groups].map(([service, cs]) => {
    const pending = cs.reduce((s, c) => s + c.pending, 0);
    const inFlight = cs.reduce((s, c) => s + c.inFlight, 0);
    return {
      service,
      pending,
      inFlight,
      oldestUnackedSeconds: Math.max(0, ...cs.map((c) => c.oldestUnackedSeconds)),
      ...lagTrend(sumHistories(cs.map((c) => c.history))),
      piling: down.has(service) && pending + inFlight > 0,
      error: cs.find((c) => c.error)?.error ?? null,
      consumers: cs,
    };
  });
}
