// One request marked `retryOnTimeout`, as a state machine over its tries and its one timer.
// The first try is not abandoned when the retry goes out: a replica that is merely slow (a
// survivor taking a killed sibling's load) may still answer first. The first answer of either
// try wins (a domain error is an answer); a transport failure of the first try before any retry
// went out is final. MeshClient wires the tries to NATS (through ReplicaRouter); here they are
// functions, so every path can be driven with fake timers (hedged-request.spec.ts).
import { ErrorCodes, MeshError } from '#contracts';

/**
 * A request not answered after half its deadline, or after this long if sooner, asks the
 * directory whether a replica of its service has vanished since it was sent (killed with the
 * request in its hands); if so it is asked again of the live replicas at once rather than at the
 * deadline. If none has, it asks again as often until the deadline: a check made in the instant
 * between a kill and the server noticing it sees every replica still there.
 */
const VANISHED_CHECK_MAX_MS = 100;

/**
 * - `first-try`: the first try alone is out. The retry goes out at the vanished-replica check if
 *   a replica vanished, else at the deadline, or as soon as the first try times out — each time
 *   only if the retry budget allows it; refused, the first try keeps waiting alone.
 * - `hedged`: the retry is out, racing the first try (or alone, the first try having timed out).
 * - `settled`: answered or failed, once; whatever arrives after is ignored.
 */
export type HedgedRequestState = 'first-try' | 'hedged' | 'settled';

/** What a hedged request needs from around it: its two tries, the directory, the budget. */
export interface HedgedRequestTries<T> {
  /** The service asked, named by the timeout. */
  service: string;
  deadlineMs: number;
  /** Sends the first try, waiting up to `timeoutMs` for its answer. */
  first(timeoutMs: number): Promise<T>;
  /** Sends the retry (to the live replicas, or the queue group again), waiting up to `timeoutMs`. */
  retry(timeoutMs: number): Promise<T>;
  /**
   * Whether a replica of the service has vanished since `since` (the first try's send, ms since
   * the epoch); absent (no directory), no check is made.
   */
  vanished?: (since: number) => Promise<boolean>;
  /** Takes one retry from the service's budget; false when the budget is spent. */
  withdrawRetry(): boolean;
  /** The service has a replica that holds requests without answering. */
  suspect(): void;
  onRetry?: () => void;
  onRetryRefused?: () => void;
  /**
   * A read still unanswered after this long (about its subject's p95) is hedged to one other
   * replica, if `withdrawHedge` allows (a bucket of a few % of the requests); absent: no early hedge.
   */
  hedgeAfterMs?: number;
  withdrawHedge?: () => boolean;
  /** Sends the early hedge to one other replica, waiting up to `timeoutMs`. */
  hedge?: (timeoutMs: number) => Promise<T>;
  onHedge?: () => void;
}

const isTransport = (e: unknown): e is MeshError => e instanceof MeshError && e.isUnavailability;
const isTimeout = (e: unknown) => e instanceof MeshError && e.code === ErrorCodes.timeout;

export class HedgedRequest<T> {
  private state: HedgedRequestState = 'first-try';
  /** Tries sent that have neither answered nor failed: none left, the request has timed out. */
  private out = 1;
  /** The deadline's. */
  private timer: NodeJS.Timeout | undefined;
  /** The next vanished-replica check's, beside it. */
  private check: NodeJS.Timeout | undefined;
  /** The early (p95) hedge's, beside it. */
  private early: NodeJS.Timeout | undefined;
  /**
   * The deadline's retry went out. An early hedge alone does not count: it may have gone to the
   * very replica that froze with the first try, so the deadline still asks every live one.
   */
  private retried = false;
  private resolve: (value: T) => void = () => undefined;
  private reject: (err: Error) => void = () => undefined;

  constructor(private readonly tries: HedgedRequestTries<T>) {}

  /** Sends the first try; settles with the first answer of either try, or the timeout. */
  run(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.armTimer();
      // Twice the deadline: the first try keeps its chance while the retry races it.
      this.tries.first(2 * this.tries.deadlineMs).then(
        (value) => this.answer(value),
        (err: unknown) => this.firstFailed(err),
      );
    });
  }

  private armTimer(): void {
    const { deadlineMs, vanished, hedgeAfterMs, hedge } = this.tries;
    if (hedgeAfterMs !== undefined && hedge !== undefined && hedgeAfterMs < deadlineMs) {
      this.early = setTimeout(() => this.hedgeEarly(), hedgeAfterMs);
    }
    this.timer = setTimeout(() => this.hedge(), deadlineMs);
    if (!vanished) return;
    // Keyed writes too: if the vanished replica held this one, its transaction died with its
    // connection; if another replica still runs it, the retry waits on the key and answers
    // the first try's reply (IdempotentWrites).
    const sentAt = Date.now();
    const every = Math.min(deadlineMs / 2, VANISHED_CHECK_MAX_MS);
    const checkAt = (after: number) => {
      this.check = setTimeout(() => {
        if (this.state === 'settled' || this.retried) return;
        if (after + every < deadlineMs) checkAt(after + every);
        void vanished(sentAt).then((gone) => {
          if (!gone) return;
          // Known now; refused by the budget, the deadline asks again.
          clearTimeout(this.check);
          this.hedge();
        });
      }, every);
    };
    checkAt(every);
  }

  /**
   * `first-try` → `hedged` at about the p95: one more try to another replica, from the hedge
   * bucket (not the retry budget), waiting what is left of the deadline. A slow reply is no sign
   * of a frozen replica: the service is not made suspect. The deadline's retry is then not sent.
   */
  private hedgeEarly(): void {
    if (this.state !== 'first-try' || !this.tries.withdrawHedge?.()) return;
    this.state = 'hedged';
    this.out++;
    this.tries.onHedge?.();
    this.tries.hedge!(this.tries.deadlineMs - this.tries.hedgeAfterMs!).then(
      (value) => this.answer(value),
      (err: unknown) => {
        // The other replica was busy: the first try is still out, and still the answer.
        if (err instanceof MeshError && err.code === ErrorCodes.overloaded) {
          if (--this.out === 0) this.fail(err);
          return;
        }
        this.tryFailed(err);
      },
    );
  }

  /** `first-try` → `hedged`: sends the retry unless the budget is spent. */
  private hedge(): boolean {
    if (this.state === 'settled' || this.retried) return false;
    // Some replica of this service holds requests without answering (frozen, or killed with
    // them): for a while, send to the replicas known alive instead of the queue group, which
    // would keep handing that replica its share until NATS drops its connection.
    this.tries.suspect();
    if (!this.tries.withdrawRetry()) {
      // Overloaded rather than broken, most likely: the first try keeps waiting instead.
      this.tries.onRetryRefused?.();
      return false;
    }
    this.state = 'hedged';
    this.retried = true;
    this.out++;
    clearTimeout(this.timer);
    clearTimeout(this.check);
    this.tries.onRetry?.();
    this.tries.retry(this.tries.deadlineMs).then(
      (value) => this.answer(value),
      (err: unknown) => this.tryFailed(err),
    );
    return true;
  }

  private firstFailed(err: unknown): void {
    if (this.state === 'first-try' && isTransport(err)) {
      if (!isTimeout(err)) return this.fail(err); // no responders, unreachable: final
      // Timed out before any retry went out (the caller's own deadline was sooner, or the
      // budget refused the retry): one more chance, if the budget allows it now.
      this.out--;
      if (!this.hedge()) this.fail(this.timedOut());
      return;
    }
    this.tryFailed(err);
  }

  /** A domain error is the answer; a transport failure leaves the other try to answer. */
  private tryFailed(err: unknown): void {
    if (!isTransport(err)) return this.fail(err);
    if (--this.out === 0) this.fail(this.timedOut());
  }

  private answer(value: T): void {
    if (this.settle()) this.resolve(value);
  }

  private fail(err: unknown): void {
    if (this.settle()) this.reject(err instanceof Error ? err : new Error(String(err)));
  }

  /** → `settled`, the first time only. */
  private settle(): boolean {
    if (this.state === 'settled') return false;
    this.state = 'settled';
    clearTimeout(this.timer);
    clearTimeout(this.check);
    clearTimeout(this.early);
    return true;
  }

  // Made only when needed: an Error per request (with its stack) would cost every read.
  private timedOut(): MeshError {
    const { service, deadlineMs } = this.tries;
    return new MeshError(ErrorCodes.timeout, `${service} did not answer within ${deadlineMs} ms`, undefined, service);
  }
}
