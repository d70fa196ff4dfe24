// Which replica a request should go to, from what this client has seen of each: the requests it
// has outstanding there and a peak-EWMA of its answers' latency (Finagle's P2C + peak EWMA load
// balancer). NATS's queue group picks a member at random, whatever its load: one frozen or slow
// replica among three then holds a third of the requests. Picking the cheaper of two random
// replicas by latency × (outstanding + 1) moves that share to the others within a request or two,
// and the cost fades with time, so a replica that recovers is tried again.

/** The latency a replica's cost fades with: a sample's weight halves every TAU × ln 2. */
const TAU_MS = 1000;
/** A refusal (`overloaded`) counts as an answer this slow: the replica is full, ask it less. */
export const REFUSAL_PENALTY_MS = 100;
/** A replica never heard from costs this, so one just started is tried, but not flooded. */
const UNKNOWN_MS = 1;

interface Load {
  outstanding: number;
  ewmaMs: number;
  at: number;
}

export class ReplicaLoad {
  private readonly byId = new Map<string, Load>();

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly random: () => number = Math.random,
  ) {}

  /** latency × (outstanding + 1), the latency faded since its last sample. */
  cost(id: string): number {
    const l = this.byId.get(id);
    if (!l) return UNKNOWN_MS;
    const faded = l.ewmaMs * Math.exp(-(this.now() - l.at) / TAU_MS);
    return Math.max(faded, UNKNOWN_MS) * (l.outstanding + 1);
  }

  /** The cheaper of two distinct replicas picked at random (power of two choices); undefined for none. */
  pick(ids: readonly string[]): string | undefined {
    if (ids.length <= 1) return ids[0];
    const i = Math.floor(this.random() * ids.length);
    let j = Math.floor(this.random() * (ids.length - 1));
    if (j >= i) j++;
    return this.cost(ids[j]) < this.cost(ids[i]) ? ids[j] : ids[i];
  }

  /** The cheapest of `ids` (an early hedge goes there: away from where requests pile up). */
  cheapest(ids: readonly string[]): string | undefined {
    let best: string | undefined;
    for (const id of ids) if (best === undefined || this.cost(id) < this.cost(best)) best = id;
    return best;
  }

  /** A request went to `id`; call the result when it settled, with the penalty instead of its latency if refused. */
  start(id: string): (penaltyMs?: number) => void {
    const l = this.byId.get(id) ?? { outstanding: 0, ewmaMs: UNKNOWN_MS, at: this.now() };
    this.byId.set(id, l);
    l.outstanding++;
    const sent = this.now();
    let done = false;
    return (penaltyMs) => {
      if (done) return;
      done = true;
      l.outstanding--;
      this.sample(l, penaltyMs ?? this.now() - sent);
    };
  }

  /** Forgets a replica that is gone. */
  forget(id: string): void {
    this.byId.delete(id);
  }

  // Peak EWMA: a slower answer than the current figure replaces it at once; a faster one pulls it
  // down with the weight of the time since the last sample.
  private sample(l: Load, ms: number): void {
    const now = this.now();
    const w = Math.exp(-(now - l.at) / TAU_MS);
    l.ewmaMs = ms > l.ewmaMs ? ms : l.ewmaMs * w + ms * (1 - w);
    l.at = now;
  }
}
