// Publishes that leave in one socket write. nats.js flushes its outbound buffer in a microtask
// queued by the first publish into an empty buffer, so publishes made a few awaits apart in the
// same event-loop turn — the edge's three reads of one stitched post (each behind its own
// breaker), or replies whose queries finished together — each cost a write() of their own:
// profiled at about a quarter of the edge's CPU under load. Queued here and published together
// from one setImmediate (after the turn's microtasks), they go out in one write.
import type { NatsConnection, PublishOptions } from '@nats-io/transport-node';

interface Queued {
  subject: string;
  payload: string;
  opts: PublishOptions;
  onError?: (err: Error) => void;
}

const batches = new WeakMap<NatsConnection, PublishBatch>();

export class PublishBatch {
  private queue: Queued[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  private constructor(private readonly nc: NatsConnection) {}

  /** The one batch of `nc` (requests and replies of a process share its socket writes). */
  static of(nc: NatsConnection): PublishBatch {
    let b = batches.get(nc);
    if (!b) batches.set(nc, (b = new PublishBatch(nc)));
    return b;
  }

  /** Publishes before the next event-loop turn; `onError` hears a publish that failed (closed). */
  publish(subject: string, payload: string, opts: PublishOptions, onError?: (err: Error) => void): void {
    this.queue.push({ subject, payload, opts, onError });
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Publishes what is queued now (before a drain or a close). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const queue = this.queue;
    this.queue = [];
    for (const q of queue) {
      try {
        this.nc.publish(q.subject, q.payload, q.opts);
      } catch (err) {
        q.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
