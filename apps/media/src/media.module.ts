import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotentWrites } from '#persistence';
import type { ImageLimits } from './image-processor.js';
import { MediaController } from './media.controller.js';
import { MediaEventHandlers } from './media.event-handlers.js';
import { MediaRepository } from './media.repository.js';
import { IMAGE_LIMITS, MediaService } from './media.service.js';
import { MediaStore } from './media-store.js';

@Module({})
export class MediaModule {
  /** The data source is opened (and migrated) and the bucket opened before the module exists. */
  static register(dataSource: DataSource, store: MediaStore, limits: ImageLimits): DynamicModule {
    return {
      module: MediaModule,
      controllers: [MediaController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: MediaStore, useValue: store },
        { provide: IMAGE_LIMITS, useValue: limits },
        IdempotentWrites.provider(),
        MediaRepository,
        MediaService,
        MediaEventHandlers,
      ],
    };
  }
}
