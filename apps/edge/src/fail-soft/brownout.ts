// Brownout: under pressure, the edge stops asking for the optional parts, exactly as if their
// service were down (the answer is 200 with it in `degraded`), and goes back to full answers by
// itself. A service is under pressure when a share of its replies lately were `overloaded`
// refusals, or when its replies' average latency passes a target; the edge itself is, when its
// event loop lags (@fastify/under-pressure measures that): then every optional part is skipped.
// A pressed service is skipped for `holdMs`; then its parts are asked again and measured afresh,
// so recovery needs no probe of its own.
import type { RequestOutcome } from '#mesh';

export interface BrownoutOptions {
  enabled: boolean;
  /** A service whose replies' average latency passes this (ms) is under pressure. */
  latencyTargetMs: number;
  /** …or a service whose replies lately were `overloaded` more than this share. */
  refusedShare: number;
  /** How long a pressed service's optional parts are skipped. */
  holdMs: number;
}

export type BrownoutCause = 'overloaded' | 'latency' | 'edge-lag' | 'edge-limit';
/** Why the edge itself is pressed: its event loop lags, or it refused requests at its own limit lately. */
export type EdgePressure = 'edge-lag' | 'edge-limit' | null;

export interface BrownoutState {
  service: string;
  /** Its optional parts are being skipped now. */
  active: boolean;
  /** Why it was last pressed (absent: never). */
  cause?: BrownoutCause;
  /** The replies' average latency lately (ms). */
  latencyMs: number;
  /** The share of its replies lately that were refusals. */
  refusedShare: number;
}

/** Weight of one reply in the averages: about the last 20 replies count. */
const ALPHA = 0.1;

interface ServicePressure {
  until: number;
  cause?: BrownoutCause;
  latencyMs: number;
  refused: number;
  /** Latency samples in the average. */
  samples: number;
  /** Replies observed since the last press. */
  seen: number;
}

export class Brownout {
  private readonly services = new Map<string, ServicePressure>();
  private edgePressed: () => EdgePressure = () => null;

  constructor(
    private readonly o: BrownoutOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** How the edge itself is judged: its under-pressure plugin, and its own concurrency limit. */
  watchEdge(pressed: () => EdgePressure): void {
    this.edgePressed = pressed;
  }

  /** One reply (or failure) of `service` after `ms`. */
  observe(service: string, outcome: RequestOutcome, ms: number): void {
    if (!this.o.enabled) return;
    const p = this.pressure(service);
    const refused = outcome === 'overloaded';
    p.seen++;
    p.refused += ((refused ? 1 : 0) - p.refused) * ALPHA;
    // A timeout's duration is the deadline, not the service's latency; a refusal's is ~0.
    if (outcome === 'ok' || outcome === 'error') {
      p.latencyMs = p.samples === 0 ? ms : p.latencyMs + (ms - p.latencyMs) * ALPHA;
      p.samples++;
    }
    // A few replies are no evidence (the first after a hold included).
    if (p.seen < 5) return;
    if (p.refused > this.o.refusedShare) this.press(p, 'overloaded');
    else if (p.latencyMs > this.o.latencyTargetMs) this.press(p, 'latency');
  }

  /** Whether `service`'s optional parts should be skipped now. */
  isBrownedOut(service: string): boolean {
    if (!this.o.enabled) return false;
    const p = this.services.get(service);
    if (p !== undefined && p.until > this.now()) return true;
    return this.edgePressed() !== null;
  }

  /** Every service heard from, for /metrics and GET /mesh. */
  states(): BrownoutState[] {
    const t = this.now();
    const edge = this.o.enabled ? this.edgePressed() : null;
    return [...this.services].map(([service, p]) => ({
      service,
      active: edge !== null || p.until > t,
      ...(edge ? { cause: edge } : p.cause ? { cause: p.cause } : {}),
      latencyMs: Math.round(p.latencyMs * 10) / 10,
      refusedShare: Math.round(p.refused * 1000) / 1000,
    }));
  }

  private press(p: ServicePressure, cause: BrownoutCause): void {
    p.until = this.now() + this.o.holdMs;
    p.cause = cause;
    // Measured afresh once the hold is over: the old averages would press it again at once.
    p.latencyMs = 0;
    p.refused = 0;
    p.samples = 0;
    p.seen = 0;
  }

  private pressure(service: string): ServicePressure {
    let p = this.services.get(service);
    if (!p) this.services.set(service, (p = { until: 0, latencyMs: 0, refused: 0, samples: 0, seen: 0 }));
    return p;
  }
}
