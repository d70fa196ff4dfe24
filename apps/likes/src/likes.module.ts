import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotentWrites } from '#persistence';
import { Outbox } from '#events';
import { LikesController } from './likes.controller.js';
import { LikesEventHandlers } from './likes.event-handlers.js';
import { LikesRepository } from './likes.repository.js';
import { LikesService } from './likes.service.js';
import { PostsClient } from './posts.client.js';

@Module({})
export class LikesModule {
  /** The data source is opened (and migrated) and the posts client connected before the module exists; the outbox with them. */
  static register(dataSource: DataSource, posts: PostsClient, outbox: Outbox): DynamicModule {
    return {
      module: LikesModule,
      controllers: [LikesController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: PostsClient, useValue: posts },
        { provide: Outbox, useValue: outbox },
        IdempotentWrites.provider(),
        LikesRepository,
        LikesService,
        LikesEventHandlers,
      ],
    };
  }
}
