import { databaseEnv, meshEnv, parseEnv, z } from '#runtime';

/** The variables messaging reads, exported for the generated config table (docs/operations.md). */
export const MessagingEnv = z.object({
  ...meshEnv,
  ...databaseEnv,
  /** The service's schema; tests use a fresh one per run. */
  MESSAGING_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('messaging'),
  /**
   * Deadline of the "who is this recipient?" call a send makes to identity. It bounds how long
   * a send can wait on a slow identity replica; an identity with no replica fails in ~1 ms anyway.
   */
  IDENTITY_TIMEOUT_MS: z.coerce.number().int().min(10).max(30_000).default(500),
});

export type MessagingConfig = z.output<typeof MessagingEnv>;

export function loadMessagingConfig(env: NodeJS.ProcessEnv = process.env): MessagingConfig {
  return parseEnv(MessagingEnv, env);
}
