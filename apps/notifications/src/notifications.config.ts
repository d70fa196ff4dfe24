import { EVENTS_MAX_AGE_MS } from '#contracts';
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
  /**
   * How long the id of a handled event is kept (then pruned). An event older than the events
   * stream's max age (7 days) is gone from JetStream and cannot be delivered again, so its claim
   * serves nothing; a shorter retention lets a replayed event (a consumer made again starts from
   * the oldest event kept) be applied twice, and is warned about at boot.
   */
  NOTIFICATIONS_CLAIM_RETENTION_MS: z.coerce.number().int().min(1000).default(EVENTS_MAX_AGE_MS),
  /** How often each replica prunes the claims older than NOTIFICATIONS_CLAIM_RETENTION_MS. */
  NOTIFICATIONS_CLAIM_PRUNE_INTERVAL_MS: z.coerce.number().int().min(100).default(3_600_000),
});

export type NotificationsConfig = z.output<typeof NotificationsEnv>;

export function loadNotificationsConfig(env: NodeJS.ProcessEnv = process.env): NotificationsConfig {
  return parseEnv(NotificationsEnv, env);
}
