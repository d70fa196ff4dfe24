// A rate-limiter-flexible store limiter on SharedCounts: the library does the arithmetic of
// points, windows and results; SharedCounts the sharing between edges. While the bucket is
// unavailable the library's insurance limiter (in memory, the same budget) counts instead.
import { createRequire } from 'node:module';
// A CommonJS package that Node's ESM loader cannot name every export of: take them off the default.
import rateLimiterFlexible from 'rate-limiter-flexible';
import type { Budget } from './budgets.js';
import type { Count, SharedCounts } from './shared-counts.js';

export const { RateLimiterMemory, RateLimiterRes } = rateLimiterFlexible;
// The base of the library's own store limiters (Redis, Postgres, …): typed in its index, but not
// exported from it at run time, so loaded from its file.
const RateLimiterStoreAbstract = createRequire(import.meta.url)(
  'rate-limiter-flexible/lib/RateLimiterStoreAbstract.js',
) as typeof rateLimiterFlexible.RateLimiterStoreAbstract;

export class SharedRateLimiter extends RateLimiterStoreAbstract {
  constructor(
    private readonly counts: SharedCounts,
    name: string,
    budget: Budget,
    onFallback: () => void,
  ) {
    const options = { keyPrefix: name, points: budget.points, duration: budget.windowMs / 1000 };
    const local = new RateLimiterMemory(options);
    // Counted each time the insurance answers, so /metrics shows how long limits were local only.
    const consume = local.consume.bind(local);
    local.consume = (...args: Parameters<typeof consume>) => {
      onFallback();
      return consume(...args);
    };
    super({ ...options, storeClient: counts, insuranceLimiter: local });
  }

  _upsert(rlKey: string, points: number, msDuration: number): Promise<Count> {
    return this.counts.add(rlKey, points, msDuration);
  }

  _get(rlKey: string): Promise<Count | null> {
    try {
      return Promise.resolve(this.counts.get(rlKey));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  _delete(rlKey: string): Promise<boolean> {
    return this.counts.delete(rlKey);
  }

  _getRateLimiterRes(_rlKey: string, changedPoints: number, count: Count): InstanceType<typeof RateLimiterRes> {
    return new RateLimiterRes(
      Math.max(this.points - count.consumed, 0),
      Math.max(count.expiresAt - Date.now(), 0),
      count.consumed,
      count.consumed === changedPoints,
    );
  }
}
