import { createDataSource } from '#persistence';
import { CreateFeeds1765152000200 } from './migrations/1765152000200-create-feeds.js';
import { CreateDeletedPosts1765152000201 } from './migrations/1765152000201-create-deleted-posts.js';
import { CreateRebuildStaging1765152000202 } from './migrations/1765152000202-create-rebuild-staging.js';
import { CreateMentions1765152000210 } from './migrations/1765152000210-create-mentions.js';
import { CreateRebuildMentions1765152000220 } from './migrations/1765152000220-create-rebuild-mentions.js';
import type { FeedConfig } from './feed.config.js';

export function createFeedDataSource(c: FeedConfig) {
  return createDataSource({
    url: c.DATABASE_URL,
    schema: c.FEED_DB_SCHEMA,
    entities: [],
    migrations: [
      CreateFeeds1765152000200,
      CreateDeletedPosts1765152000201,
      CreateRebuildStaging1765152000202,
      CreateMentions1765152000210,
      CreateRebuildMentions1765152000220,
    ],
    poolSize: c.DB_POOL_SIZE,
    connectTimeoutMs: c.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: c.DB_STATEMENT_TIMEOUT_MS,
    applicationName: 'feed',
  });
}
