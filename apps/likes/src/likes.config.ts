import { databaseEnv, eventsEnv, meshEnv, outboxEnv, parseEnv, z } from '#runtime';

/** The variables likes reads, exported for the generated config table (docs/operations.md). */
export const LikesEnv = z.object({
  ...meshEnv,
  ...databaseEnv,
  ...eventsEnv,
  ...outboxEnv,
  /** The service's schema; tests use a fresh one per run. */
  LIKES_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('likes'),
  /**
   * Deadline of the "does this post exist?" call a new like makes to posts. It bounds how long
   * a like can wait on a slow posts replica; a posts with no replica fails in ~1 ms anyway.
   */
  POSTS_TIMEOUT_MS: z.coerce.number().int().min(10).max(30_000).default(500),
});

export type LikesConfig = z.output<typeof LikesEnv>;

export function loadLikesConfig(env: NodeJS.ProcessEnv = process.env): LikesConfig {
  return parseEnv(LikesEnv, env);
}
