import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotentWrites } from '#persistence';
import { IdentityClient } from './identity.client.js';
import { LivePublisher } from './live-publisher.js';
import { MessagingController } from './messaging.controller.js';
import { MessagingRepository } from './messaging.repository.js';
import { MessagingService } from './messaging.service.js';

@Module({})
export class MessagingModule {
  /** The data source is opened (and migrated) and the NATS client connected before the module exists. */
  static register(dataSource: DataSource, identity: IdentityClient, live: LivePublisher): DynamicModule {
    return {
      module: MessagingModule,
      controllers: [MessagingController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: IdentityClient, useValue: identity },
        { provide: LivePublisher, useValue: live },
        IdempotentWrites.provider(),
        MessagingRepository,
        MessagingService,
      ],
    };
  }
}
