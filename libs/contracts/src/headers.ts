/** NATS header names the mesh carries from the edge into every service. */
export const MeshHeaders = {
  requestId: 'x-request-id',
  /** Absolute deadline (epoch ms): a replica skips work whose caller has given up. */
  deadline: 'x-deadline',
} as const;
