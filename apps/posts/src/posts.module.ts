import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotentWrites } from '#persistence';
import { PostsController } from './posts.controller.js';
import { PostsRepository } from './posts.repository.js';
import { PostsService } from './posts.service.js';

@Module({})
export class PostsModule {
  /** The data source is opened (and migrated) before the module exists. */
  static register(dataSource: DataSource): DynamicModule {
    return {
      module: PostsModule,
      controllers: [PostsController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        IdempotentWrites.provider(),
        PostsRepository,
        PostsService,
      ],
    };
  }
}
