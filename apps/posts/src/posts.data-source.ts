import { createDataSource } from '#persistence';
import { PostEntity } from './entities/post.entity.js';
import { CreatePosts1764201600000 } from './migrations/1764201600000-create-posts.js';
import { CreateIdempotencyKeys1764633600000 } from './migrations/1764633600000-create-idempotency-keys.js';
import { CreateOutbox1764892800000 } from './migrations/1764892800000-create-outbox.js';
import { AddOutboxHeaders1764979200000 } from './migrations/1764979200000-add-outbox-headers.js';
import { IndexPostsByAuthorId1765152000100 } from './migrations/1765152000100-index-posts-by-author-id.js';
import { CreateMentions1765152000400 } from './migrations/1765152000400-create-mentions.js';
import { AddOutboxSequence1765600000000 } from './migrations/1765600000000-add-outbox-sequence.js';
import type { PostsConfig } from './posts.config.js';

export function createPostsDataSource(c: PostsConfig) {
  return createDataSource({
    url: c.DATABASE_URL,
    schema: c.POSTS_DB_SCHEMA,
    entities: [PostEntity],
    migrations: [
      CreatePosts1764201600000,
      CreateIdempotencyKeys1764633600000,
      CreateOutbox1764892800000,
      AddOutboxHeaders1764979200000,
      IndexPostsByAuthorId1765152000100,
      CreateMentions1765152000400,
      AddOutboxSequence1765600000000,
    ],
    poolSize: c.DB_POOL_SIZE,
    connectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'posts',
  });
}
