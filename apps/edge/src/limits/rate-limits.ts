// The edge's rate limits: one SharedRateLimiter per budget, all on one SharedCounts (the NATS
// KV bucket), each falling back to its in-memory twin while the bucket is unavailable.
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { budgetsOf, EDGE_CONFIG, type EdgeConfig } from '../edge.config.js';
import { EdgeMetrics } from '../metrics/edge-metrics.js';
import { BudgetNames, describeBudget, type BudgetName } from './budgets.js';
import { RateLimitedError, type RateLimitHeaders } from './rate-limited.error.js';
import { SharedCounts } from './shared-counts.js';
import { RateLimiterRes, SharedRateLimiter } from './shared-rate-limiter.js';

export const RATE_LIMIT_NATS = Symbol('RATE_LIMIT_NATS');

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

@Injectable()
export class RateLimits implements OnModuleDestroy {
  readonly enabled: boolean;
  private readonly counts?: SharedCounts;
  private readonly limiters = new Map<BudgetName, SharedRateLimiter>();
  private readonly budgets: ReturnType<typeof budgetsOf>;

  constructor(
    @Inject(EDGE_CONFIG) config: EdgeConfig,
    @Inject(RATE_LIMIT_NATS) nc: NatsConnection,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
  ) {
    this.enabled = config.RATE_LIMITS === 'on';
    const budgets = (this.budgets = budgetsOf(config));
    if (!this.enabled) return;
    this.counts = new SharedCounts(nc, config.RATE_LIMIT_SYNC_MS, () => metrics.rateLimitSyncFailed()).start();
    for (const name of BudgetNames) {
      this.limiters.set(
        name,
        new SharedRateLimiter(this.counts, name, budgets[name], () => metrics.rateLimitFallback(name)),
      );
    }
  }

  onModuleDestroy(): void {
    this.counts?.stop();
  }

  /**
   * Spends one point of `name` for `id` (an account, an IP, a username); the headers of the
   * budget on success, a RateLimitedError (429) when it is spent; undefined with limits off.
   */
  async consume(name: BudgetName, id: string): Promise<RateLimitHeaders | undefined> {
    const limiter = this.limiters.get(name);
    if (!limiter) return undefined;
    try {
      const res = await limiter.consume(id);
      return { limit: limiter.points, remaining: res.remainingPoints, reset: seconds(res.msBeforeNext) };
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      this.metrics.rateLimited(name);
      const reset = seconds(err.msBeforeNext);
      throw new RateLimitedError(
        `Too many requests: ${name} allows ${describeBudget(this.budgets[name])}; try again in ${reset} s.`,
        reset,
        { limit: limiter.points, remaining: 0, reset },
      );
    }
  }
}
