import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { FeedConfig } from './feed.config.js';
import { FeedController } from './feed.controller.js';
import { FeedEventHandlers } from './feed.event-handlers.js';
import { FeedRepository } from './feed.repository.js';
import { FeedRebuildRepository } from './feed-rebuild.repository.js';
import { FeedRebuildService } from './feed-rebuild.service.js';
import { FeedSourcesClient } from './feed-sources.client.js';
import { FeedService } from './feed.service.js';
import { FEED_CONFIG, FEED_LOGGER, type FeedSettings } from './feed.settings.js';

@Module({})
export class FeedModule {
  /** The data source is opened (and migrated) and the NATS client connected before the module exists. */
  static register(dataSource: DataSource, c: FeedConfig, sources: FeedSourcesClient, logger: Logger): DynamicModule {
    const settings: FeedSettings = {
      fanoutBatch: c.FEED_FANOUT_BATCH,
      maxItems: c.FEED_MAX_ITEMS,
      rebuildBatch: c.FEED_REBUILD_BATCH,
      sizeFlushMs: c.FEED_SIZE_FLUSH_MS,
    };
    return {
      module: FeedModule,
      controllers: [FeedController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: FEED_CONFIG, useValue: settings },
        { provide: FEED_LOGGER, useValue: logger },
        { provide: FeedSourcesClient, useValue: sources },
        FeedRepository,
        FeedService,
        FeedRebuildRepository,
        FeedRebuildService,
        FeedEventHandlers,
      ],
    };
  }
}
