// Which requests a replica takes when it is near its concurrency limit: critical ones up to the
// limit, degradable ones up to a smaller share of it, sheddable ones to a smaller share still —
// the headroom above each share is kept for the more critical. A refusal is decided at once
// (the caller retries another replica, or degrades), never queued: a queue in front of a full
// replica only adds the wait to every answer.
import type { Criticality } from '#contracts';
import { AdaptiveLimit, DEFAULT_ADAPTIVE_LIMIT, type AdaptiveLimitOptions } from './adaptive-limit.js';

export interface AdmissionOptions extends AdaptiveLimitOptions {
  /** Off: every request is taken (no limit, no refusal), as before the limiter. */
  enabled: boolean;
  /** Share of the limit degradable requests may fill. */
  degradableShare: number;
  /** Share of the limit sheddable requests may fill. */
  sheddableShare: number;
  /** The retry hint sent with a refusal (ms). */
  retryAfterMs: number;
}

export const DEFAULT_ADMISSION: AdmissionOptions = {
  ...DEFAULT_ADAPTIVE_LIMIT,
  enabled: true,
  degradableShare: 0.8,
  sheddableShare: 0.5,
  retryAfterMs: 1000,
};

export type RefusalCounts = Record<Criticality, number>;

export class Admission {
  readonly limiter: AdaptiveLimit;
  private held = 0;
  readonly refused: RefusalCounts = { critical: 0, degradable: 0, sheddable: 0 };

  constructor(
    readonly o: AdmissionOptions = DEFAULT_ADMISSION,
    now?: () => number,
  ) {
    this.limiter = new AdaptiveLimit(o, now);
  }

  get inFlight(): number {
    return this.held;
  }

  /** Takes the request (true; call `release` when it is answered) or refuses it (false). */
  tryAcquire(criticality: Criticality): boolean {
    if (!this.o.enabled) {
      this.held++;
      return true;
    }
    const limit = this.limiter.limit;
    const room =
      criticality === 'critical'
        ? limit
        : criticality === 'degradable'
          ? limit * this.o.degradableShare
          : limit * this.o.sheddableShare;
    if (this.held >= room) {
      this.refused[criticality]++;
      return false;
    }
    this.held++;
    return true;
  }

  /**
   * A taken request was answered after `ms`; `heldWith` is how many were held with it (itself
   * included) when it was taken; undefined when it never ran (expired): no latency sample.
   */
  release(ms: number, heldWith: number | undefined): void {
    this.held--;
    if (this.o.enabled && heldWith !== undefined) this.limiter.sample(ms, heldWith);
  }
}
