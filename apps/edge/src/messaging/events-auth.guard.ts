import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, MeshError } from '#contracts';
import { bearerToken } from '../auth/auth.guard.js';
import { TokenVerifier, type AuthUser } from '../auth/token-verifier.js';

/**
 * AuthGuard for `GET /events`: EventSource cannot send headers, so the token may also come as
 * `?access_token=`. Runs before the stream starts, so a bad token is a plain 401 problem.
 */
@Injectable()
export class EventsAuthGuard implements CanActivate {
  constructor(@Inject(TokenVerifier) private readonly tokens: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const token = bearerToken(req, true);
    if (!token) throw new MeshError(ErrorCodes.unauthenticated, 'This route needs a bearer token.');
    req.user = await this.tokens.verify(token);
    return true;
  }
}
