import { databaseEnv, eventsEnv, meshEnv, outboxEnv, parseEnv, z } from '#runtime';

/** The variables comments reads, exported for the generated config table (docs/operations.md). */
export const CommentsEnv = z.object({
  ...meshEnv,
  ...databaseEnv,
  ...eventsEnv,
  ...outboxEnv,
  /** The service's schema; tests use a fresh one per run. */
  COMMENTS_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('comments'),
  /** Deadline of the "does this post exist?" call to posts that every comment create makes. */
  POSTS_TIMEOUT_MS: z.coerce.number().int().min(10).default(500),
});

export type CommentsConfig = z.output<typeof CommentsEnv>;

export function loadCommentsConfig(env: NodeJS.ProcessEnv = process.env): CommentsConfig {
  return parseEnv(CommentsEnv, env);
}
