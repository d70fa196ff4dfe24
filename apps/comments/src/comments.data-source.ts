import { createDataSource } from '#persistence';
import { CommentEntity } from './entities/comment.entity.js';
import { CreateComments1764374400000 } from './migrations/1764374400000-create-comments.js';
import { CreateIdempotencyKeys1764633600000 } from './migrations/1764633600000-create-idempotency-keys.js';
import { CreateDeletedPosts1764892800000 } from './migrations/1764892800000-create-deleted-posts.js';
import { CreateOutbox1765238400000 } from './migrations/1765238400000-create-outbox.js';
import { AddOutboxHeaders1765238400001 } from './migrations/1765238400001-add-outbox-headers.js';
import { AddOutboxSequence1765600000000 } from './migrations/1765600000000-add-outbox-sequence.js';
import type { CommentsConfig } from './comments.config.js';

export function createCommentsDataSource(c: CommentsConfig) {
  return createDataSource({
    url: c.DATABASE_URL,
    schema: c.COMMENTS_DB_SCHEMA,
    entities: [CommentEntity],
    migrations: [
      CreateComments1764374400000,
      CreateIdempotencyKeys1764633600000,
      CreateDeletedPosts1764892800000,
      CreateOutbox1765238400000,
      AddOutboxHeaders1765238400001,
      AddOutboxSequence1765600000000,
    ],
    poolSize: c.DB_POOL_SIZE,
    connectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'comments',
  });
}
