// The rules of identity; no NATS, no SQL.
import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  ErrorCodes,
  Events,
  MeshError,
  type AuthReply,
  type ChangePasswordRequest,
  type LoginRequest,
  type SignupRequest,
  type UserDto,
} from '#contracts';
import { Outbox } from '#events';
import type { UserEntity } from './entities/user.entity.js';
import { IdentityRepository } from './identity.repository.js';
import { HashQueue } from './hash-queue.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionsService } from './sessions/sessions.service.js';
import { toUserDto } from './user.mapper.js';

/** One answer for "no such user" and "wrong password": the reply must not tell which. */
const WRONG_PAIR = 'wrong username or password';

@Injectable()
export class IdentityService implements OnModuleInit {
  /** Verified against when the user does not exist, so both failures cost one scrypt. */
  private dummyHash = '';

  constructor(
    private readonly repo: IdentityRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly hashing: HashQueue,
    private readonly outbox: Outbox,
  ) {}

  /** Hashed once at start with the current parameters, so its cost matches a real user's. */
  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hasher.hash(randomBytes(32).toString('base64'));
  }

  /** The user and its events.identity.users.created commit together (or, for a taken name, neither). */
  async signup(r: SignupRequest): Promise<AuthReply> {
    const passwordHash = await this.hashing.run(() => this.hasher.hash(r.password));
    const user = await this.repo.transaction(async (tx) => {
      const created = await this.repo.insert(tx, {
        id: randomUUID(),
        username: r.username,
        displayName: r.displayName ?? r.username,
        passwordHash,
      });
      if (created) {
        const { id, username, displayName } = created;
        await this.outbox.add(tx, Events.identity.usersCreated, { user: { id, username, displayName } });
      }
      return created;
    });
    if (!user) {
      throw new MeshError(ErrorCodes.conflict, 'username is taken', [
        { field: 'username', message: 'username is taken' },
      ]);
    }
    return this.authReply(user);
  }

  async login(r: LoginRequest): Promise<AuthReply> {
    const found = await this.repo.findCredentials({ username: r.username });
    const stored = found?.passwordHash ?? this.dummyHash;
    const matches = await this.hashing.run(() => this.hasher.verify(r.password, stored));
    if (!found || !matches) throw new MeshError(ErrorCodes.unauthenticated, WRONG_PAIR);
    return this.authReply(found.user);
  }

  /**
   * Checks the current password, sets the new one and ends every other session of the user (a
   * thief signed in with the old password is out); the session asking stays signed in.
   */
  async changePassword(r: ChangePasswordRequest): Promise<{ revoked: number }> {
    const found = await this.repo.findCredentials({ id: r.userId });
    if (!found) throw new MeshError(ErrorCodes.unauthenticated, 'This session has ended.');
    const stored = found.passwordHash;
    if (!(await this.hashing.run(() => this.hasher.verify(r.currentPassword, stored)))) {
      throw new MeshError(ErrorCodes.invalid, 'currentPassword is wrong', [
        { field: 'currentPassword', message: 'currentPassword is wrong' },
      ]);
    }
    const passwordHash = await this.hashing.run(() => this.hasher.hash(r.newPassword));
    return this.sessions.replacePassword(r.userId, r.sessionId, passwordHash);
  }

  async getById(id: string): Promise<UserDto> {
    const user = await this.repo.findById(id);
    if (!user) throw new MeshError(ErrorCodes.notFound, 'no such user');
    return toUserDto(user);
  }

  async getByUsername(username: string): Promise<UserDto> {
    const user = await this.repo.findByUsername(username);
    if (!user) throw new MeshError(ErrorCodes.notFound, 'no such user');
    return toUserDto(user);
  }

  private authReply(u: UserEntity): Promise<AuthReply> {
    return this.sessions.start(toUserDto(u));
  }
}
