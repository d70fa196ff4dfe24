/** NATS header names the mesh carries from the edge into every service. */
export const MeshHeaders = {
  requestId: 'x-request-id',
  /** Absolute deadline (epoch ms): a replica skips work whose caller has given up. */
  deadline: 'x-deadline',
  /**
   * The client's `Idempotency-Key` (or one the edge made up): the service doing the write stores
   * it with the write, so a retry — the client's or the edge's own — cannot apply it twice.
   */
  idempotencyKey: 'x-idempotency-key',
  /**
   * How much the request matters (a Criticality): a replica at its concurrency limit admits
   * `critical` before `degradable` before `sheddable`. Set by the edge per call; a service's
   * onward calls inherit the request's own.
   */
  criticality: 'x-criticality',
} as const;

/**
 * - `critical`: the route's own read or write — without it the route answers 503;
 * - `degradable`: a stitched extra (likes, comment counts, media, follow fields) left out as
 *   `degraded` when it cannot be had;
 * - `sheddable`: background work nobody waits for (event handlers' onward calls, prefetches).
 */
export const Criticalities = ['critical', 'degradable', 'sheddable'] as const;
export type Criticality = (typeof Criticalities)[number];

/** The header's value as a Criticality; anything else (absent, unknown) is `critical`. */
export function parseCriticality(value: string | undefined | null): Criticality {
  return value === 'degradable' || value === 'sheddable' ? value : 'critical';
}

/** The less critical of two: a degradable request's onward calls stay degradable. */
export function leastCritical(a: Criticality, b: Criticality): Criticality {
  return Criticalities.indexOf(a) >= Criticalities.indexOf(b) ? a : b;
}
