// Starts one posts replica: database first (retrying while PostgreSQL is down), then the mesh.
import { classifyDatabaseError, openDatabase } from '#persistence';
import { createLogger, runService, type RunningService } from '#mesh';
import type { PostsConfig } from './posts.config.js';
import { createPostsDataSource } from './posts.data-source.js';
import { PostsModule } from './posts.module.js';

export const POSTS_VERSION = '0.1.0';

export async function startPosts(c: PostsConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'posts', level: c.LOG_LEVEL });
  const dataSource = await openDatabase(createPostsDataSource(c), { schema: c.POSTS_DB_SCHEMA, logger });
  return runService({
    module: PostsModule.register(dataSource),
    service: 'posts',
    version: POSTS_VERSION,
    natsUrl: c.NATS_URL,
    pingIntervalMs: c.NATS_PING_INTERVAL_MS,
    drainTimeoutMs: c.DRAIN_TIMEOUT_MS,
    logger,
    classifyError: classifyDatabaseError,
    handleSignals: o.handleSignals,
    onStopped: () => dataSource.destroy(),
  });
}
