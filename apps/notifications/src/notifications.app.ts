// Starts one notifications replica: database first (retrying while PostgreSQL is down), then the
// mesh, then its event consumers (follows, posts with their mentions, likes, comments).
// Notifications are built only from events and read over notifications.*: it is never in a
// write's path. After each commit it publishes what changed on live.notifications.<userId>.
import { runDatabaseService, type RunningService } from '#service';
import { createLogger } from '#runtime';
import type { NotificationsConfig } from './notifications.config.js';
import { createNotificationsDataSource } from './notifications.data-source.js';
import { NotificationsModule } from './notifications.module.js';
import { NotificationsEventHandlers } from './notifications.event-handlers.js';
import { LivePublisher } from './live-publisher.js';

export const NOTIFICATIONS_VERSION = '0.1.0';

export async function startNotifications(
  c: NotificationsConfig,
  o: { handleSignals?: boolean } = {},
): Promise<RunningService> {
  const logger = createLogger({ service: 'notifications', level: c.LOG_LEVEL, format: c.LOG_FORMAT });
  const dataSource = createNotificationsDataSource(c);
  return runDatabaseService({
    service: 'notifications',
    version: NOTIFICATIONS_VERSION,
    env: c,
    logger,
    dataSource,
    schema: c.NOTIFICATIONS_DB_SCHEMA,
    events: { env: c, handlers: NotificationsEventHandlers },
    // The events connection also carries the live pushes (core NATS, no queue group).
    module: (nc) =>
      NotificationsModule.register(dataSource, new LivePublisher(nc!, logger.child({ component: 'live' })), {
        retentionMs: c.NOTIFICATIONS_CLAIM_RETENTION_MS,
        intervalMs: c.NOTIFICATIONS_CLAIM_PRUNE_INTERVAL_MS,
        logger: logger.child({ component: 'claims' }),
      }),
    handleSignals: o.handleSignals,
  });
}
