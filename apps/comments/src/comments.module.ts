import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type MeshClient } from '#mesh';
import { IdempotentWrites } from '#persistence';
import { Outbox } from '#events';
import { CommentsController } from './comments.controller.js';
import { CommentsEventHandlers } from './comments.event-handlers.js';
import { CommentsRepository } from './comments.repository.js';
import { CommentsService } from './comments.service.js';
import { PostsClient } from './posts.client.js';

export interface CommentsModuleDeps {
  /** Opened (and migrated) before the module exists. */
  dataSource: DataSource;
  /** On the app's own NATS connection, which the app closes after the mesh has drained. */
  mesh: MeshClient;
  postsTimeoutMs: number;
  /** Where comments and their deletions put their events (relayed by the app). */
  outbox: Outbox;
}

@Module({})
export class CommentsModule {
  static register(d: CommentsModuleDeps): DynamicModule {
    return {
      module: CommentsModule,
      controllers: [CommentsController],
      providers: [
        { provide: DataSource, useValue: d.dataSource },
        { provide: PostsClient, useValue: new PostsClient(d.mesh, d.postsTimeoutMs) },
        { provide: Outbox, useValue: d.outbox },
        IdempotentWrites.provider(),
        CommentsRepository,
        CommentsService,
        CommentsEventHandlers,
      ],
    };
  }
}
