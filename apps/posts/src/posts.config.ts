import { databaseEnv, eventsEnv, meshEnv, outboxEnv, parseEnv, z } from '#runtime';

/** The variables posts reads, exported for the generated config table (docs/operations.md). */
export const PostsEnv = z.object({
  ...meshEnv,
  ...databaseEnv,
  ...eventsEnv,
  ...outboxEnv,
  /** The service's schema; tests use a fresh one per run. */
  POSTS_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('posts'),
});

export type PostsConfig = z.output<typeof PostsEnv>;

export function loadPostsConfig(env: NodeJS.ProcessEnv = process.env): PostsConfig {
  return parseEnv(PostsEnv, env);
}
