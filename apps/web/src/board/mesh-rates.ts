// What the board computes from two successive GET /mesh answers: each replica's requests per
// second (the delta of its `requests` counter over the time between the polls). Pure.
import type { BoardConsumer } from './consumer-lag';

export interface BoardReplica {
  id: string;
  pid: number | null;
  host: string | null;
  version: string;
  startedAt: string;
  requests: number;
  errors: number;
  averageLatencyMs: number;
  /** Its concurrency limiter (absent from older replicas). */
  overload?: {
    enabled: boolean;
    limit: number;
    inFlight: number;
    refused: { critical: number; degradable: number; sheddable: number };
    expiredOnArrival: number;
    expiredBeforeQuery: number;
  } | null;
}

export interface BoardService {
  name: string;
  status: 'up' | 'down';
  /** Why it is down, as its replicas waiting in the mesh say (`database … unreachable: …`). */
  reason?: string | null;
  replicas: BoardReplica[];
  /** Replicas in the mesh that do not serve yet (their database is unreachable, say). */
  waiting?: Array<{ id: string; pid: number | null; state: string }>;
  /** Added by the edge: its degraded answers naming this service in the last 60 s. */
  degradedLastMinute?: number;
  /** Added by the edge: its 503 answers naming this service in the last 60 s. */
  unavailableLastMinute?: number;
  /** Added by the edge: it skips this service's optional parts under pressure now (brownout). */
  brownout?: { active: boolean; cause: string | null };
}

export interface BoardView {
  services: BoardService[];
  /** Every durable event consumer's lag, as the edge last read it. */
  consumers?: BoardConsumer[];
}

/** A poll: the view and when it arrived (ms, the page's clock). */
export interface Sample {
  view: BoardView;
  at: number;
}

/** Requests per second per replica id; absent for a replica new since the previous poll. */
export function requestRates(previous: Sample | null, current: Sample): Map<string, number> {
  const rates = new Map<string, number>();
  if (!previous) return rates;
  const seconds = (current.at - previous.at) / 1000;
  if (seconds <= 0) return rates;
  const before = new Map<string, number>();
  for (const s of previous.view.services) for (const r of s.replicas) before.set(r.id, r.requests);
  for (const s of current.view.services) {
    for (const r of s.replicas) {
      const then = before.get(r.id);
      // A counter that went down is a different process under a reused id: no rate yet.
      if (then !== undefined && r.requests >= then) rates.set(r.id, (r.requests - then) / seconds);
    }
  }
  return rates;
}

/** "3 s", "4 min 5 s", "2 h 3 min": how long a replica has been up. */
export function uptime(startedAt: string, now: number): string {
  const s = Math.max(0, Math.floor((now - Date.parse(startedAt)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
