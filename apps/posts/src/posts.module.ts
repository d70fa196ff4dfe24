import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotentWrites } from '#persistence';
import { Outbox } from '#events';
import { PostsController } from './posts.controller.js';
import { PostsEventHandlers } from './posts.event-handlers.js';
import { PostsRepository } from './posts.repository.js';
import { PostsService } from './posts.service.js';

@Module({})
export class PostsModule {
  /** The data source is opened (and migrated) before the module exists; the outbox with it. */
  static register(dataSource: DataSource, outbox: Outbox): DynamicModule {
    return {
      module: PostsModule,
      controllers: [PostsController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: Outbox, useValue: outbox },
        IdempotentWrites.provider(),
        PostsRepository,
        PostsService,
        PostsEventHandlers,
      ],
    };
  }
}
