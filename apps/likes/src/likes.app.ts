// Starts one likes replica: database first (retrying while PostgreSQL is down), then its own
// NATS connection for asking posts, then the mesh.
import { classifyDatabaseError, openDatabase } from '#persistence';
import { connectNats, createLogger, MeshClient, runService, type RunningService } from '#mesh';
import type { LikesConfig } from './likes.config.js';
import { createLikesDataSource } from './likes.data-source.js';
import { LikesModule } from './likes.module.js';
import { PostsClient } from './posts.client.js';

export const LIKES_VERSION = '0.1.0';

export async function startLikes(c: LikesConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'likes', level: c.LOG_LEVEL });
  const dataSource = await openDatabase(createLikesDataSource(c), { schema: c.LIKES_DB_SCHEMA, logger });
  // Calls to posts go over a connection of their own: the server's connection exists only once
  // Nest listens, and it is drained on stop while in-flight handlers may still be asking posts.
  const nc = await connectNats({ url: c.NATS_URL, name: 'likes-client', pingIntervalMs: c.NATS_PING_INTERVAL_MS });
  const closeClient = () => nc.drain().catch(() => nc.close());
  const posts = new PostsClient(new MeshClient(nc, { defaultTimeoutMs: c.POSTS_TIMEOUT_MS }), c.POSTS_TIMEOUT_MS);
  try {
    return await runService({
      module: LikesModule.register(dataSource, posts),
      service: 'likes',
      version: LIKES_VERSION,
      natsUrl: c.NATS_URL,
      pingIntervalMs: c.NATS_PING_INTERVAL_MS,
      drainTimeoutMs: c.DRAIN_TIMEOUT_MS,
      logger,
      classifyError: classifyDatabaseError,
      handleSignals: o.handleSignals,
      // After the mesh has drained, so no handler is still using either.
      onStopped: async () => {
        await closeClient();
        await dataSource.destroy();
      },
    });
  } catch (err) {
    await closeClient();
    await dataSource.destroy();
    throw err;
  }
}
