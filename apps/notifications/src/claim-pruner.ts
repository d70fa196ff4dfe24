// The handled-event claims (processed_event) pruned by age on every replica, every
// NOTIFICATIONS_CLAIM_PRUNE_INTERVAL_MS (the first at a random offset, so replicas do not prune at
// once). A claim outlives any redelivery of its event once it is older than the events stream's
// max age, the default retention. A failed prune is logged and tried again next time.
import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { EVENTS_MAX_AGE_MS } from '#contracts';
import { NotificationsRepository } from './notifications.repository.js';

export interface ClaimRetention {
  retentionMs: number;
  intervalMs: number;
}

@Injectable()
export class ClaimPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly repo: NotificationsRepository,
    private readonly retention: ClaimRetention,
    private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.retention.retentionMs < EVENTS_MAX_AGE_MS) {
      this.logger.warn(
        { retentionMs: this.retention.retentionMs, streamMaxAgeMs: EVENTS_MAX_AGE_MS },
        'NOTIFICATIONS_CLAIM_RETENTION_MS is below the events stream max age: an event replayed after its claim is pruned is applied again',
      );
    }
    this.schedule(Math.floor(Math.random() * this.retention.intervalMs));
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One prune now: the claims older than the retention gone; answers how many. */
  async prune(): Promise<number> {
    const pruned = await this.repo.pruneClaims(this.retention.retentionMs);
    if (pruned > 0) this.logger.info({ pruned }, 'pruned the claims of old handled events');
    return pruned;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.prune()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ err }, 'pruning handled-event claims failed; next time again'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(this.retention.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
