// How far behind each durable event consumer of the mesh is (every one listed in EventConsumers,
// libs/contracts jetstream-layout.ts, so a new consuming service is covered by being listed):
// read in the background every CONSUMER_LAG_INTERVAL_MS, never on a request's path, with the
// edge's read-only consumer-info permission. Per consumer: events not yet delivered (pending),
// delivered but not acknowledged (in flight), and the age of the oldest one not acknowledged —
// one message get of the first event after the consumer's acknowledgement floor, only when it
// has a backlog. Kept for /metrics (gauges) and GET /mesh (the board's consumer-lag panel, with
// the last minute of samples for its trend).
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { EventConsumers, type ConsumerLayout } from '#contracts';
import type { EdgeMetrics } from './edge-metrics.js';

/** Samples kept per consumer for the board's trend: a minute at the default 5 s. */
export const LAG_HISTORY = 12;

export interface ConsumerLagView {
  /** The durable's name, `feed--events-posts-created`. */
  consumer: string;
  /** The consuming service (the durable's owner). */
  service: string;
  /** The one event subject it delivers. */
  subject: string;
  /** Events in the stream not yet delivered to the service. */
  pending: number;
  /** Events delivered and not yet acknowledged (being handled, or by a replica that died). */
  inFlight: number;
  /** Seconds since the oldest event not yet acknowledged was published; 0 with no backlog. */
  oldestUnackedSeconds: number;
  /** pending + inFlight of the last samples, oldest first (the newest is this one). */
  history: number[];
  /** When it was last read; null until the first read succeeded. */
  readAt: string | null;
  /** Why the last read failed (the figures are then the last good ones), or null. */
  error: string | null;
}

export class ConsumerLag {
  private readonly views = new Map<string, ConsumerLagView>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly o: {
      intervalMs: number;
      metrics: EdgeMetrics;
      logger: Logger;
      consumers?: readonly ConsumerLayout[];
    },
  ) {
    for (const c of this.consumers)
      this.views.set(c.durable, {
        consumer: c.durable,
        service: c.owner,
        subject: c.filter,
        pending: 0,
        inFlight: 0,
        oldestUnackedSeconds: 0,
        history: [],
        readAt: null,
        error: 'not read yet',
      });
  }

  private get consumers(): readonly ConsumerLayout[] {
    return this.o.consumers ?? EventConsumers;
  }

  /** Every consumer's last reading, in the layout's order. */
  list(): ConsumerLagView[] {
    return [...this.views.values()].map((v) => ({ ...v, history: [...v.history] }));
  }

  start(nc: NatsConnection): this {
    let jsm: JetStreamManager | undefined;
    let reading = false;
    const read = async () => {
      if (reading || this.stopped) return; // one read at a time: a slow one is not overtaken
      reading = true;
      try {
        // Bounded: a JetStream that does not answer costs one timeout per consumer, off any request.
        jsm ??= await jetstreamManager(nc, { checkAPI: false, timeout: Math.min(2000, this.o.intervalMs) });
        for (const c of this.consumers) {
          if (this.stopped) break;
          await this.readOne(jsm, c);
        }
      } catch (err) {
        if (!this.stopped) this.o.logger.warn({ err: message(err) }, 'consumer lag not read');
      } finally {
        reading = false;
      }
    };
    void read();
    this.timer = setInterval(() => void read(), this.o.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async readOne(jsm: JetStreamManager, c: ConsumerLayout): Promise<void> {
    const view = this.views.get(c.durable)!;
    const labels = { consumer: c.durable, service: c.owner };
    try {
      const info = await jsm.consumers.info(c.stream, c.durable);
      let oldest = 0;
      if (info.num_pending + info.num_ack_pending > 0) {
        // The first event on its subject after the acknowledgement floor is the oldest not acknowledged.
        const m = await jsm.streams
          .getMessage(c.stream, { seq: info.ack_floor.stream_seq + 1, next_by_subj: c.filter } as never)
          .catch(() => null);
        if (m) oldest = Math.max(0, (Date.now() - m.time.getTime()) / 1000);
      }
      view.pending = info.num_pending;
      view.inFlight = info.num_ack_pending;
      view.oldestUnackedSeconds = Math.round(oldest * 10) / 10;
      view.history = [...view.history, info.num_pending + info.num_ack_pending].slice(-LAG_HISTORY);
      view.readAt = new Date().toISOString();
      view.error = null;
      this.o.metrics.consumerLag(labels, { pending: view.pending, inFlight: view.inFlight, oldestSeconds: oldest });
    } catch (err) {
      view.error = message(err);
      // No stale figure in /metrics: the series goes until a read succeeds again.
      this.o.metrics.consumerLagUnknown(labels);
    }
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
