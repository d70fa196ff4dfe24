import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ErrorCodes, MeshError } from '#contracts';
import { authenticate, bearerToken, type AuthedRequest } from '../auth/auth.guard.js';
import { SESSION_ENDED, TokenVerifier } from '../auth/token-verifier.js';
import { RevokedSessions } from '../auth/revoked-sessions.js';
import { EventTickets } from './event-tickets.js';

/**
 * AuthGuard for `GET /events`: EventSource cannot send headers, so a browser brings a single-use
 * ticket (`?ticket=`, from `POST /events/ticket`) instead; other clients may send their bearer
 * token. An access token in the URL (it would land in logs and histories) is refused. Runs
 * before the stream starts, so a refusal is a plain 401 problem.
 */
@Injectable()
export class EventsAuthGuard implements CanActivate {
  constructor(
    @Inject(TokenVerifier) private readonly tokens: TokenVerifier,
    @Inject(EventTickets) private readonly tickets: EventTickets,
    @Inject(RevokedSessions) private readonly revoked: RevokedSessions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const query = (req.query ?? {}) as Record<string, unknown>;
    if ('access_token' in query) {
      throw new MeshError(
        ErrorCodes.unauthenticated,
        'Tokens are not taken in the URL: get a ticket from POST /events/ticket and pass ?ticket=.',
      );
    }
    if (typeof query.ticket === 'string') {
      const t = await this.tickets.redeem(query.ticket);
      if (this.revoked.has(t.sessionId)) throw new MeshError(ErrorCodes.unauthenticated, SESSION_ENDED);
      const user = { id: t.userId, username: t.username, displayName: t.displayName, createdAt: t.createdAt };
      authenticate(req, { user, sessionId: t.sessionId, expiresAtMs: t.tokenExpiresAtMs });
      return true;
    }
    const token = bearerToken(req);
    if (!token) throw new MeshError(ErrorCodes.unauthenticated, 'This route needs a ticket or a bearer token.');
    authenticate(req, await this.tokens.verify(token));
    return true;
  }
}
