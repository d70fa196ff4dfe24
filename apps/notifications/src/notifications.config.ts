import { databaseEnv, eventsEnv, meshEnv, parseEnv, z } from '#runtime';

/** The variables notifications reads, exported for the generated config table (docs/operations.md). */
export const NotificationsEnv = z.object({
  ...meshEnv,
  ...databaseEnv,
  ...eventsEnv,
  /** The service's schema; tests use a fresh one per run. */
  NOTIFICATIONS_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('notifications'),
});

export type NotificationsConfig = z.output<typeof NotificationsEnv>;

export function loadNotificationsConfig(env: NodeJS.ProcessEnv = process.env): NotificationsConfig {
  return parseEnv(NotificationsEnv, env);
}
