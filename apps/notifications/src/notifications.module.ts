import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { ClaimPruner, type ClaimRetention } from './claim-pruner.js';
import { LivePublisher } from './live-publisher.js';
import { NotificationsController } from './notifications.controller.js';
import { NotificationsEventHandlers } from './notifications.event-handlers.js';
import { NotificationsRepository } from './notifications.repository.js';
import { NotificationsService } from './notifications.service.js';

@Module({})
export class NotificationsModule {
  /** The data source is opened (and migrated) and the live publisher connected before the module exists. */
  static register(
    dataSource: DataSource,
    live: LivePublisher,
    claims: ClaimRetention & { logger: Logger },
  ): DynamicModule {
    return {
      module: NotificationsModule,
      controllers: [NotificationsController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: LivePublisher, useValue: live },
        NotificationsRepository,
        NotificationsService,
        NotificationsEventHandlers,
        {
          provide: ClaimPruner,
          useFactory: (repo: NotificationsRepository) => new ClaimPruner(repo, claims, claims.logger),
          inject: [NotificationsRepository],
        },
      ],
    };
  }
}
