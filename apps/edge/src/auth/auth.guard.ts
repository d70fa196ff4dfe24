import { createParamDecorator, Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, MeshError } from '#contracts';
import { TokenVerifier, type AuthUser, type VerifiedToken } from './token-verifier.js';

/** `auth`: the verified token's session and expiry, beside its user. */
export type AuthedRequest = FastifyRequest & { user?: AuthUser; auth?: Omit<VerifiedToken, 'user'> };

/** The bearer token of a request, from its Authorization header (never from the URL). */
export function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1] ?? '';
}

/** Puts a verified token on the request. */
export function authenticate(req: AuthedRequest, v: VerifiedToken): void {
  req.user = v.user;
  req.auth = { sessionId: v.sessionId, expiresAtMs: v.expiresAtMs };
}

/** Requires a valid token; puts its user on the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(TokenVerifier) private readonly tokens: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerToken(req);
    if (!token) throw new MeshError(ErrorCodes.unauthenticated, 'This route needs a bearer token.');
    authenticate(req, await this.tokens.verify(token));
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
    if (token !== undefined) authenticate(req, await this.tokens.verify(token));
    return true;
  }
}

/** The session of the signed-in user's token (routes behind AuthGuard). */
export const CurrentSession = createParamDecorator((_: unknown, ctx: ExecutionContext): Omit<VerifiedToken, 'user'> => {
  const auth = ctx.switchToHttp().getRequest<AuthedRequest>().auth;
  if (!auth) throw new MeshError(ErrorCodes.unauthenticated, 'This route needs a bearer token.');
  return auth;
});

/** The signed-in user if there is one (routes behind OptionalAuthGuard). */
export const Viewer = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser | undefined => ctx.switchToHttp().getRequest<AuthedRequest>().user,
);
