import { createDataSource } from '#persistence';
import { MediaEntity } from './entities/media.entity.js';
import { CreateMedia1764547200000 } from './migrations/1764547200000-create-media.js';
import { CreateIdempotencyKeys1764633600000 } from './migrations/1764633600000-create-idempotency-keys.js';
import { CreatePostMedia1764892800000 } from './migrations/1764892800000-create-post-media.js';
import { AddMediaDeletedAt1765065600000 } from './migrations/1765065600000-add-media-deleted-at.js';
import type { MediaConfig } from './media.config.js';

export function createMediaDataSource(c: MediaConfig) {
  return createDataSource({
    url: c.DATABASE_URL,
    schema: c.MEDIA_DB_SCHEMA,
    entities: [MediaEntity],
    migrations: [
      CreateMedia1764547200000,
      CreateIdempotencyKeys1764633600000,
      CreatePostMedia1764892800000,
      AddMediaDeletedAt1765065600000,
    ],
    poolSize: c.DB_POOL_SIZE,
    connectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'media',
  });
}
