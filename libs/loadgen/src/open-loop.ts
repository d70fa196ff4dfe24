// An open-loop HTTP load run: arrivals at a constant rate with exponential gaps, fixed in advance
// and seeded; each request's latency counts from its intended start, so a stalled server shows
// in the percentiles as long as it stalls (no coordinated omission), however few requests were
// in flight. Keep-alive sockets through one http.Agent; an in-flight cap protects the machine,
// and what it could not send is counted as `unsent`, never silently dropped.
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { arrivalSchedule, phasedSchedule, type RatePhase } from './arrival-schedule.js';
import { LatencyRecorder, round, round3, type KindFigures } from './latency-recorder.js';
import { pickWeighted, seededRandom } from './seeded-random.js';

export interface LoadRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

export interface RequestKind {
  name: string;
  weight: number;
  /** The request to send for one arrival; `random` is the run's seeded generator. */
  request: (random: () => number) => LoadRequest;
  /** Told of every answer (after it is recorded): e.g. to note a created post. */
  onAnswer?: (status: number, body: string, at: { intendedMs: number; answeredMs: number }) => void;
}

/** Every arrival's fate, for a caller that wants more than the percentiles (a time series, answers by body). */
export interface ArrivalOutcome {
  kind: string;
  /** The status, or how it failed; `unsent` when the in-flight cap kept it back. */
  outcome: number | 'timeout' | 'network' | 'unsent';
  /** Intended start, ms from the run's start. */
  intendedMs: number;
  /** Latency from the intended start (0 when unsent). */
  latencyMs: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface OpenLoopOptions {
  baseUrl: string;
  /** The constant arrival rate; ignored when `phases` is given. */
  ratePerSec: number;
  /** How long; ignored when `phases` is given. */
  seconds: number;
  /** Rates one after another (a spike); `offeredRatePerSec` is then their mean. */
  phases?: readonly RatePhase[];
  kinds: RequestKind[];
  seed?: number;
  /** 2xx within this many ms counts as goodput (default 500). */
  goodputMs?: number;
  /** Requests in flight at most (default 512); arrivals beyond it are counted as unsent. */
  maxInFlight?: number;
  /** A request still unanswered after this is a `timeout` (default 10 s). */
  timeoutMs?: number;
  /** Told of every arrival once it is settled (answered, failed or unsent). */
  onOutcome?: (o: ArrivalOutcome) => void;
}

export interface OpenLoopResult {
  offeredRatePerSec: number;
  /** Requests answered (any status) per second of the run. */
  achievedRatePerSec: number;
  /** 2xx within the threshold per second of the run. */
  goodputPerSec: number;
  goodputMs: number;
  seconds: number;
  /** Largest number of requests in flight at once. */
  maxInFlight: number;
  /** How late the generator itself sent (actual − intended start), p99: its own overload shows here. */
  sendLagP99Ms: number;
  total: KindFigures;
  kinds: Record<string, KindFigures>;
}

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const goodputMs = o.goodputMs ?? 500;
  const cap = o.maxInFlight ?? 512;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const random = seededRandom(o.seed ?? 1);
  const schedule = o.phases ? phasedSchedule(o.phases, random) : arrivalSchedule(o.ratePerSec, o.seconds, random);
  const seconds = o.phases ? o.phases.reduce((n, p) => n + p.seconds, 0) : o.seconds;
  const offered = o.phases ? o.phases.reduce((n, p) => n + p.ratePerSec * p.seconds, 0) / seconds : o.ratePerSec;
  const recorders = new Map(o.kinds.map((k) => [k.name, new LatencyRecorder(goodputMs)]));
  const url = new URL(o.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: cap });
  const sendLags: number[] = [];
  let inFlight = 0;
  let peak = 0;
  const pending = new Set<Promise<void>>();

  const send = (kind: RequestKind, intendedMs: number, start: number): Promise<void> => {
    const req = kind.request(random);
    const recorder = recorders.get(kind.name)!;
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = { ...req.headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    sendLags.push(performance.now() - start - intendedMs);
    return new Promise<void>((resolve) => {
      let settled = false;
      const settle = (outcome: number | 'timeout' | 'network', text: string, resHeaders: IncomingHttpHeaders = {}) => {
        if (settled) return;
        settled = true;
        const answeredMs = performance.now() - start;
        recorder.record(outcome, answeredMs - intendedMs);
        if (typeof outcome === 'number') kind.onAnswer?.(outcome, text, { intendedMs, answeredMs });
        o.onOutcome?.({
          kind: kind.name,
          outcome,
          intendedMs,
          latencyMs: answeredMs - intendedMs,
          headers: resHeaders,
          body: text,
        });
        resolve();
      };
      const r = httpRequest(
        { agent, hostname: url.hostname, port: url.port, path: req.path, method: req.method ?? 'GET', headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => settle(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers));
          res.on('error', () => settle('network', ''));
        },
      );
      r.setTimeout(timeoutMs, () => {
        settle('timeout', '');
        r.destroy();
      });
      r.on('error', () => settle('network', ''));
      r.end(body);
    });
  };

  const start = performance.now();
  for (const intendedMs of schedule) {
    const wait = intendedMs - (performance.now() - start);
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const kind = pickWeighted(o.kinds, random);
    const recorder = recorders.get(kind.name)!;
    recorder.offered++;
    if (inFlight >= cap) {
      recorder.unsent();
      o.onOutcome?.({ kind: kind.name, outcome: 'unsent', intendedMs, latencyMs: 0, headers: {}, body: '' });
      continue;
    }
    inFlight++;
    peak = Math.max(peak, inFlight);
    const p = send(kind, intendedMs, start).finally(() => {
      inFlight--;
      pending.delete(p);
    });
    pending.add(p);
  }
  // Whatever is still in flight is waited for (each has its own timeout): its latency counts.
  await Promise.all(pending);
  agent.destroy();
  const elapsedSec = Math.max(seconds, (performance.now() - start) / 1000);

  const total = new LatencyRecorder(goodputMs);
  for (const r of recorders.values()) total.add(r);
  const totals = total.figures();
  sendLags.sort((a, b) => a - b);
  const result: OpenLoopResult = {
    offeredRatePerSec: round(offered),
    achievedRatePerSec: round(totals.completed / elapsedSec),
    goodputPerSec: round(totals.good / elapsedSec),
    goodputMs,
    seconds: round3(elapsedSec),
    maxInFlight: peak,
    sendLagP99Ms: round(sendLags[Math.floor(sendLags.length * 0.99)] ?? 0),
    total: totals,
    kinds: Object.fromEntries([...recorders].map(([name, r]) => [name, r.figures()])),
  };
  for (const r of [total, ...recorders.values()]) r.destroy();
  return result;
}
