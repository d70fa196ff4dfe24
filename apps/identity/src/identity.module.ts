import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdentityController } from './identity.controller.js';
import { IdentityRepository } from './identity.repository.js';
import { IdentityService } from './identity.service.js';
import { HashQueue } from './hash-queue.js';
import { PasswordHasher } from './password-hasher.js';
import { TokenSigner } from './token-signer.js';
import { Outbox } from '#events';
import { SESSION_SETTINGS, SessionsService, type SessionSettings } from './sessions/sessions.service.js';
import { SessionsRepository } from './sessions/sessions.repository.js';

@Module({})
export class IdentityModule {
  /** The data source is opened (and migrated), the outbox with it, and the signing key loaded before the module exists. */
  static register(
    dataSource: DataSource,
    tokens: TokenSigner,
    outbox: Outbox,
    sessions: SessionSettings,
    hashing: HashQueue,
  ): DynamicModule {
    return {
      module: IdentityModule,
      controllers: [IdentityController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: TokenSigner, useValue: tokens },
        { provide: Outbox, useValue: outbox },
        { provide: SESSION_SETTINGS, useValue: sessions },
        SessionsRepository,
        SessionsService,
        { provide: PasswordHasher, useValue: new PasswordHasher() },
        { provide: HashQueue, useValue: hashing },
        IdentityRepository,
        IdentityService,
      ],
    };
  }
}
