import { createParamDecorator, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, MeshError } from '#contracts';
import { TokenVerifier, type AuthUser } from './token-verifier.js';

type AuthedRequest = FastifyRequest & { user?: AuthUser };

/** The bearer token of a request, from the header or (for EventSource) `?access_token=`. */
export function bearerToken(req: FastifyRequest, allowQuery = false): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    return m?.[1] ?? '';
  }
  if (allowQuery) {
    const q = (req.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof q === 'string') return q;
  }
  return undefined;
}

/** Requires a valid token; puts its user on the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(TokenVerifier) private readonly tokens: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerToken(req);
    if (!token) throw new MeshError(ErrorCodes.unauthenticated, 'This route needs a bearer token.');
    req.user = await this.tokens.verify(token);
    return true;
  }
}

/** The signed-in user (routes behind AuthGuard). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const user = ctx.switchToHttp().getRequest<AuthedRequest>().user;
  if (!user) throw new MeshError(ErrorCodes.unauthenticated, 'This route needs a bearer token.');
  return user;
});

/** Reads a token when one is sent (a bad one is still a 401); lets anonymous requests through. */
@Injectable()
export class OptionalAuthGuard implements CanActivate {
  constructor(@Inject(TokenVerifier) private readonly tokens: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerToken(req);
    if (token !== undefined) req.user = await this.tokens.verify(token);
    return true;
  }
}

/** The signed-in user if there is one (routes behind OptionalAuthGuard). */
export const Viewer = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser | undefined => ctx.switchToHttp().getRequest<AuthedRequest>().user,
);
