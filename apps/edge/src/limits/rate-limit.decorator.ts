import { SetMetadata } from '@nestjs/common';
import type { BudgetName } from './budgets.js';

export const RATE_LIMIT_METADATA = 'failsoft:rate-limit';

/**
 * The budgets a route spends (each one point per request), checked by RateLimitInterceptor
 * after the guards (so an account budget knows its account) and before the body is validated.
 * `@RateLimit()` with none exempts a GET from the anonymous-read budget (health checks).
 */
export const RateLimit = (...budgets: BudgetName[]) => SetMetadata(RATE_LIMIT_METADATA, budgets);
