import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Outbox } from '#events';
import { IdempotentWrites } from '#persistence';
import { GraphController } from './graph.controller.js';
import { GraphRepository } from './graph.repository.js';
import { GraphService } from './graph.service.js';

@Module({})
export class GraphModule {
  /** The data source is opened (and migrated) before the module exists; the outbox with it. */
  static register(dataSource: DataSource, outbox: Outbox): DynamicModule {
    return {
      module: GraphModule,
      controllers: [GraphController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: Outbox, useValue: outbox },
        IdempotentWrites.provider(),
        GraphRepository,
        GraphService,
      ],
    };
  }
}
