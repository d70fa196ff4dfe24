// Starts one media replica: database first (retrying while PostgreSQL is down), then its own
// NATS connection for the object store and its events (waiting until the provisioner made the
// bucket and its consumers), then the mesh, then the events.
import { runDatabaseService, type RunningService } from '#service';
import { createLogger } from '#runtime';
import { objectStreamName } from '#contracts';
import type { MediaConfig } from './media.config.js';
import { createMediaDataSource } from './media.data-source.js';
import { MediaModule } from './media.module.js';
import { MediaStore } from './media-store.js';
import { MediaEventHandlers } from './media.event-handlers.js';

export const MEDIA_VERSION = '0.1.0';

export async function startMedia(c: MediaConfig, o: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const logger = createLogger({ service: 'media', level: c.LOG_LEVEL, format: c.LOG_FORMAT });
  // Opened by runDatabaseService, which retries (visibly, in the mesh) while PostgreSQL is down.
  const dataSource = createMediaDataSource(c);
  return runDatabaseService({
    service: 'media',
    version: MEDIA_VERSION,
    env: c,
    logger,
    dataSource,
    schema: c.MEDIA_DB_SCHEMA,
    clientConnection: 'media-store',
    events: { env: c, handlers: MediaEventHandlers },
    streams: [objectStreamName(c.MEDIA_BUCKET)],
    module: async (nc) => {
      const store = await MediaStore.open(nc!, { bucket: c.MEDIA_BUCKET });
      return MediaModule.register(dataSource, store, { maxPixels: c.MAX_PIXELS, thumbnailMaxPx: c.THUMBNAIL_MAX_PX });
    },
    handleSignals: o.handleSignals,
  });
}
