// The one hook that spends budgets: a global interceptor, so it runs after the guards (an
// account budget knows its account) and before the handler. A route names its budgets with
// @RateLimit(...); a GET without one and without a verified user spends the anonymous-read
// budget of its IP. The budget closest to its end gives the RateLimit-* headers.
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import type { AuthUser } from '../auth/token-verifier.js';
import { EDGE_CONFIG, type EdgeConfig } from '../edge.config.js';
import { Budgets, type BudgetName } from './budgets.js';
import { clientIp } from './client-ip.js';
import { RATE_LIMIT_METADATA } from './rate-limit.decorator.js';
import { rateLimitHeaders, type RateLimitHeaders } from './rate-limited.error.js';
import { RateLimits } from './rate-limits.js';

type Request = FastifyRequest & { user?: AuthUser };

/** How long a refused anonymous request waits for its 429 (docs/security.md). */
export const ANONYMOUS_REFUSAL_DELAY_MS = 500;

@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(RateLimits) private readonly limits: RateLimits,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (!this.limits.enabled || context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    const named = this.reflector.getAllAndOverride<BudgetName[] | undefined>(RATE_LIMIT_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    const budgets = named ?? (req.method === 'GET' && !req.user ? (['reads.anonymous'] as const) : []);
    let tightest: RateLimitHeaders | undefined;
    for (const name of budgets) {
      const id = this.idFor(name, req);
      if (id === undefined) continue;
      const h = await this.limits.consume(name, id).catch(async (err: unknown) => {
        // An anonymous client refused (by IP or username) waits a little for its 429: a flood
        // that asks again the moment it is answered would otherwise spend the CPU that other
        // clients' logins hash with (measured: 886 refusals/s from 24 connections tripled their
        // p99). A timer per refused request is all it costs.
        if (Budgets[name].key !== 'account') await new Promise((r) => setTimeout(r, ANONYMOUS_REFUSAL_DELAY_MS));
        throw err;
      });
      if (h && (!tightest || h.remaining < tightest.remaining)) tightest = h;
    }
    if (tightest) context.switchToHttp().getResponse<FastifyReply>().headers(rateLimitHeaders(tightest));
    return next.handle();
  }

  /** Whom a budget counts: the account, the client IP, or the submitted username (if any). */
  private idFor(name: BudgetName, req: Request): string | undefined {
    const key = Budgets[name].key;
    if (key === 'account' && req.user) return req.user.id;
    if (key === 'username') {
      const username = (req.body as { username?: unknown } | undefined)?.username;
      // An invalid one is refused by validation next; the IP budget has already counted it.
      return typeof username === 'string' ? username.toLowerCase() : undefined;
    }
    return clientIp(req, this.config.TRUST_PROXY);
  }
}
