import { createDataSource } from '#persistence';
import { CreateNotifications1765238400100 } from './migrations/1765238400100-create-notifications.js';
import { IndexProcessedEventByAge1765411200100 } from './migrations/1765411200100-index-processed-event-by-age.js';
import type { NotificationsConfig } from './notifications.config.js';

export function createNotificationsDataSource(c: NotificationsConfig) {
  return createDataSource({
    url: c.DATABASE_URL,
    schema: c.NOTIFICATIONS_DB_SCHEMA,
    entities: [],
    migrations: [CreateNotifications1765238400100, IndexProcessedEventByAge1765411200100],
    poolSize: c.DB_POOL_SIZE,
    connectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'notifications',
  });
}
