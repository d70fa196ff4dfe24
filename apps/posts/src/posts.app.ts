// Starts one posts replica: database first (retrying while PostgreSQL is down), then the mesh.
import { openDatabase } from '#persistence';
import { runDatabaseService, type RunningService } from '#service';
import { createLogger } from '#runtime';
import type { PostsConfig } from './posts.config.js';
import { createPostsDataSource } from './posts.data-source.js';
import { PostsModule } from './posts.module.js';

export const POSTS_VERSION = '0.1.0';

export async function startPosts(c: PostsConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'posts', level: c.LOG_LEVEL, format: c.LOG_FORMAT });
  const dataSource = await openDatabase(createPostsDataSource(c), { schema: c.POSTS_DB_SCHEMA, logger });
  return runDatabaseService({
    service: 'posts',
    version: POSTS_VERSION,
    env: c,
    logger,
    dataSource,
    // posts publishes events.posts.* through its outbox and consumes none.
    events: { env: c, outbox: c },
    module: (_client, { outbox }) => PostsModule.register(dataSource, outbox!),
    handleSignals: o.handleSignals,
  });
}
