import { createDataSource } from '#persistence';
import { MessageEntity } from './entities/message.entity.js';
import { CreateMessages1764460800000 } from './migrations/1764460800000-create-messages.js';
import { CreateIdempotencyKeys1764633600000 } from './migrations/1764633600000-create-idempotency-keys.js';
import type { MessagingConfig } from './messaging.config.js';

export function createMessagingDataSource(c: MessagingConfig) {
  return createDataSource({
    url: c.DATABASE_URL,
    schema: c.MESSAGING_DB_SCHEMA,
    entities: [MessageEntity],
    migrations: [CreateMessages1764460800000, CreateIdempotencyKeys1764633600000],
    poolSize: c.DB_POOL_SIZE,
    connectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'messaging',
  });
}
