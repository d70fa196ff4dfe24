// Admission for password hashing: each scrypt takes 32 MiB and one of libuv's threads for
// ~100-200 ms, so at most HASH_CONCURRENCY run and HASH_QUEUE_MAX wait; one more is refused at
// once with `overloaded` (the edge answers 503 + Retry-After, and its breaker does not count it)
// instead of queueing without bound until every caller's deadline has passed. A waiting hash
// whose caller's deadline passes is dropped when its turn comes, never computed: nobody would
// read its answer.
import { ErrorCodes, MeshError } from '#contracts';
import { requestContext } from '#runtime';

export interface HashQueueStats {
  running: number;
  waiting: number;
  refused: number;
  expired: number;
}

interface Waiter {
  deadline?: number;
  start: () => void;
  expire: () => void;
}

export class HashQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private refused = 0;
  private expired = 0;

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
    /** Told of each refused or expired hash (for the log). */
    private readonly onDrop: (kind: 'refused' | 'expired', stats: HashQueueStats) => void = () => undefined,
  ) {}

  /** Runs `work` when a slot is free; the deadline is the current mesh request's, if any. */
  async run<T>(work: () => Promise<T>, deadline = requestContext.getStore()?.deadline): Promise<T> {
    if (this.running >= this.concurrency) await this.wait(deadline);
    else this.running++;
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  stats(): HashQueueStats {
    return { running: this.running, waiting: this.waiting.length, refused: this.refused, expired: this.expired };
  }

  private wait(deadline: number | undefined): Promise<void> {
    if (this.waiting.length >= this.maxWaiting) {
      this.refused++;
      this.onDrop('refused', this.stats());
      return Promise.reject(
        new MeshError(ErrorCodes.overloaded, 'identity is busy hashing passwords; try again in a second'),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({
        deadline,
        start: resolve,
        // `overloaded`, not `timeout`: should the answer still be read, it must not count against
        // identity in a breaker.
        expire: () => reject(new MeshError(ErrorCodes.overloaded, 'the caller gave up while this waited to be hashed')),
      });
    });
  }

  /** Hands the slot to the next waiter whose caller still waits (the slot passes, `running` stays). */
  private release(): void {
    for (;;) {
      const next = this.waiting.shift();
      if (!next) {
        this.running--;
        return;
      }
      if (next.deadline !== undefined && next.deadline <= Date.now()) {
        this.expired++;
        next.expire();
        this.onDrop('expired', this.stats());
        continue;
      }
      next.start();
      return;
    }
  }
}
