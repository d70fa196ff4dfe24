// The recent p95 latency of one subject's replies, cheaply: a histogram of log-spaced buckets
// (each 25 % wider than the last, 0.1 ms to ~30 s), its quantile recomputed every `every`
// samples, after which the counts are halved so old replies fade. A read still unanswered at
// about this p95 is hedged to another replica (HedgedRequest's `hedgeAfterMs`).

const MIN_MS = 0.1;
const GROWTH = 1.25;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 57; // 0.1 · 1.25^57 ≈ 33 s

export class SubjectLatency {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private pending = 0;
  private p95: number | undefined;

  constructor(
    /** Recompute (and fade) after this many samples; no estimate before the first. */
    private readonly every = 64,
  ) {}

  record(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(ms / MIN_MS) / LOG_GROWTH) + 1);
    this.counts[i]++;
    this.total++;
    if (++this.pending >= this.every) this.recompute();
  }

  /** About the 95th percentile of recent replies (ms, the upper edge of its bucket); undefined until known. */
  get p95Ms(): number | undefined {
    return this.p95;
  }

  private recompute(): void {
    this.pending = 0;
    const target = this.total * 0.95;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= target) {
        this.p95 = MIN_MS * GROWTH ** i;
        break;
      }
    }
    this.total = 0;
    for (let i = 0; i < BUCKETS; i++) {
      this.counts[i] /= 2;
      this.total += this.counts[i];
    }
  }
}
