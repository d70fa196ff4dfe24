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
} as const;
