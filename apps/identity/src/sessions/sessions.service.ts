// The rules of sessions; no NATS, no SQL. A session is one sign-in: it holds the hash of its
// current refresh token; each refresh rotates it, and presenting a rotated-away token again
// ends the session (whoever holds a copy — the thief or the victim — is signed out).
// Every revocation goes out as events.identity.sessions.revoked, in the transaction that made it.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ErrorCodes, Events, MeshError, type AuthReply, type UserDto } from '#contracts';
import { Outbox } from '#events';
import type { WriteTransaction } from '#persistence';
import { TokenSigner } from '../token-signer.js';
import { toUserDto } from '../user.mapper.js';
import { IdentityRepository } from '../identity.repository.js';
import { SessionsRepository } from './sessions.repository.js';

export interface SessionSettings {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** REFRESH_REUSE_GRACE_SECONDS, in ms. */
  reuseGraceMs: number;
}
export const SESSION_SETTINGS = Symbol('SESSION_SETTINGS');

const sha256 = (token: string) => createHash('sha256').update(token).digest();

const INVALID = 'The refresh token is expired, unknown or ended.';

@Injectable()
export class SessionsService {
  constructor(
    private readonly repo: SessionsRepository,
    private readonly users: IdentityRepository,
    private readonly tokens: TokenSigner,
    private readonly outbox: Outbox,
    @Inject(SESSION_SETTINGS) private readonly s: SessionSettings,
  ) {}

  /** A new session for a user who just proved who they are (sign-up, login). */
  async start(user: UserDto): Promise<AuthReply> {
    const id = randomUUID();
    const refreshToken = randomBytes(32).toString('base64url');
    await this.repo.insert({
      id,
      userId: user.id,
      refreshHash: sha256(refreshToken),
      expiresAt: this.refreshExpiry(),
    });
    return this.reply(user, id, refreshToken);
  }

  /** The next access token and refresh token; the one presented is dead from now on. */
  async refresh(refreshToken: string): Promise<AuthReply> {
    const hash = sha256(refreshToken);
    const outcome = await this.repo.transaction(async (tx) => {
      const current = await this.repo.lockByRefreshHash(tx, hash);
      const retired = current ? null : await this.repo.sessionOfRetired(tx, hash);
      // A token rotated away seconds ago is a client whose answer was lost, not a thief.
      const inGrace = retired !== null && Date.now() - retired.retiredAt.getTime() < this.s.reuseGraceMs;
      const session = current ?? (inGrace ? retired : null);
      if (session) {
        if (session.revokedAt || session.expiresAt.getTime() <= Date.now()) return 'invalid' as const;
        const next = randomBytes(32).toString('base64url');
        await this.repo.rotate(tx, { id: session.id, newHash: sha256(next), expiresAt: this.refreshExpiry() });
        return { sessionId: session.id, userId: session.userId, next };
      }
      if (retired && !retired.revokedAt) await this.revokeIn(tx, retired.userId, [retired.id]);
      return retired ? ('reused' as const) : ('invalid' as const);
    });
    if (outcome === 'reused') {
      throw new MeshError(ErrorCodes.unauthenticated, 'The refresh token was used already: the session is ended.');
    }
    if (outcome === 'invalid') throw new MeshError(ErrorCodes.unauthenticated, INVALID);
    const user = await this.users.findById(outcome.userId);
    if (!user) throw new MeshError(ErrorCodes.unauthenticated, INVALID);
    return this.reply(toUserDto(user), outcome.sessionId, outcome.next);
  }

  /** Ends one session of the user (its access tokens are refused at every edge within seconds). */
  async logout(userId: string, sessionId: string): Promise<{ revoked: number }> {
    const revoked = await this.repo.transaction((tx) => this.revokeIn(tx, userId, [sessionId]));
    return { revoked: revoked.length };
  }

  /** Sets the new password hash and ends every other session of the user, in one transaction. */
  async replacePassword(userId: string, keepSessionId: string, passwordHash: string): Promise<{ revoked: number }> {
    const revoked = await this.repo.transaction(async (tx) => {
      const current = await this.repo.lockCurrent(tx, userId, keepSessionId);
      if (!current) throw new MeshError(ErrorCodes.unauthenticated, 'This session has ended.');
      await this.users.setPasswordHash(tx, userId, passwordHash);
      const ids = await this.repo.revokeAllBut(tx, userId, keepSessionId);
      if (ids.length > 0) await this.publishRevoked(tx, userId, ids);
      return ids;
    });
    return { revoked: revoked.length };
  }

  private async revokeIn(tx: WriteTransaction, userId: string, ids: string[]): Promise<string[]> {
    const revoked = await this.repo.revoke(tx, userId, ids);
    if (revoked.length > 0) await this.publishRevoked(tx, userId, revoked);
    return revoked;
  }

  private async publishRevoked(tx: WriteTransaction, userId: string, sessionIds: string[]): Promise<void> {
    // Every access token of these sessions was issued before now, so none outlives this.
    const until = new Date(Date.now() + this.s.accessTokenTtlSeconds * 1000).toISOString();
    await this.outbox.add(tx, Events.identity.sessionsRevoked, { userId, sessionIds, until });
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.s.refreshTokenTtlSeconds * 1000);
  }

  private async reply(user: UserDto, sessionId: string, refreshToken: string): Promise<AuthReply> {
    const token = await this.tokens.sign(user, sessionId);
    return { user, token, refreshToken, expiresIn: this.s.accessTokenTtlSeconds };
  }
}
