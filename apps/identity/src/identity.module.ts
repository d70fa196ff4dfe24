import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdentityController } from './identity.controller.js';
import { IdentityRepository } from './identity.repository.js';
import { IdentityService } from './identity.service.js';
import { HashQueue } from './hash-queue.js';
import { PasswordHasher } from './password-hasher.js';
import { TokenSigner } from './token-signer.js';

@Module({})
export class IdentityModule {
  /** The data source is opened (and migrated) and the signing key loaded before the module exists. */
  static register(dataSource: DataSource, tokens: TokenSigner, hashing: HashQueue): DynamicModule {
    return {
      module: IdentityModule,
      controllers: [IdentityController],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: TokenSigner, useValue: tokens },
        { provide: PasswordHasher, useValue: new PasswordHasher() },
        { provide: HashQueue, useValue: hashing },
        IdentityRepository,
        IdentityService,
      ],
    };
  }
}
