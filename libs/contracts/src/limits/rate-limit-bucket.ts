// The JetStream KV bucket the edges share their rate-limit counts through (apps/edge/src/limits);
// the provisioner makes it from this (jetstream-layout.ts).
export const RateLimitBucket = {
  name: 'ratelimits',
  /**
   * Every key expires after this long (the bucket's max age); a budget's window may not be
   * longer (edge.config.ts checks it), so a count outlives its window and nothing more.
   */
  ttlMs: 60 * 60 * 1000,
  /** Only the latest count of a key matters. */
  history: 1,
} as const;
