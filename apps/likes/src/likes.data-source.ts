import { createDataSource } from '#persistence';
import { LikeEntity } from './entities/like.entity.js';
import { CreateLikes1764374400000 } from './migrations/1764374400000-create-likes.js';
import { CreateIdempotencyKeys1764633600000 } from './migrations/1764633600000-create-idempotency-keys.js';
import { CreateDeletedPosts1764892800000 } from './migrations/1764892800000-create-deleted-posts.js';
import { CreateOutbox1765238400000 } from './migrations/1765238400000-create-outbox.js';
import { AddOutboxHeaders1765238400001 } from './migrations/1765238400001-add-outbox-headers.js';
import { CreateLikeVersion1765238400002 } from './migrations/1765238400002-create-like-version.js';
import { AddOutboxSequence1765600000000 } from './migrations/1765600000000-add-outbox-sequence.js';
import type { LikesConfig } from './likes.config.js';

export function createLikesDataSource(c: LikesConfig) {
  return createDataSource({
    url: c.DATABASE_URL,
    schema: c.LIKES_DB_SCHEMA,
    entities: [LikeEntity],
    migrations: [
      CreateLikes1764374400000,
      CreateIdempotencyKeys1764633600000,
      CreateDeletedPosts1764892800000,
      CreateOutbox1765238400000,
      AddOutboxHeaders1765238400001,
      CreateLikeVersion1765238400002,
      AddOutboxSequence1765600000000,
    ],
    poolSize: c.DB_POOL_SIZE,
    connectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'likes',
  });
}
