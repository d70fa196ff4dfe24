// How many requests one replica should hold at once, learned from its own latencies: Netflix's
// Gradient2 (concurrency-limits) in a few lines. A long-term average of the handlers' time is
// the latency without queueing; when the recent average rises above it (tolerance × long), work
// is queueing somewhere (the event loop, the database pool) and the limit shrinks by the ratio;
// while they agree the limit grows by about √limit per window — but only while the replica
// actually uses half of it, so an idle replica's limit does not grow without bound. No Node
// package implements this (the npm ones are fixed semaphores), hence ours, with its arithmetic
// pinned in adaptive-limit.spec.ts.

export interface AdaptiveLimitOptions {
  /** The limit a replica starts with. */
  initial: number;
  /** Never below this (a replica always takes a few requests at once). */
  min: number;
  /** Never above this. */
  max: number;
  /** Recent latency may be this many times the long-term one before the limit shrinks. */
  tolerance: number;
  /** Share of the new estimate taken per update (the rest is the old limit): damps swings. */
  smoothing: number;
  /** Updates the long-term average spans (an exponential average over this many windows). */
  longWindow: number;
  /** A window closes after this long… */
  windowMs: number;
  /** …and at least this many samples. */
  windowSamples: number;
}

export const DEFAULT_ADAPTIVE_LIMIT: AdaptiveLimitOptions = {
  initial: 40,
  min: 8,
  max: 400,
  tolerance: 1.5,
  smoothing: 0.2,
  longWindow: 600,
  windowMs: 250,
  windowSamples: 10,
};

export class AdaptiveLimit {
  private estimate: number;
  /** The long-term average latency (ms); 0 until the first window closes. */
  private longRtt = 0;
  private readonly longFactor: number;
  private windowStart: number;
  private windowSum = 0;
  private windowCount = 0;
  /** The most requests held at once during the window: "the replica used its limit". */
  private windowPeak = 0;

  constructor(
    private readonly o: AdaptiveLimitOptions = DEFAULT_ADAPTIVE_LIMIT,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.estimate = clamp(o.initial, o.min, o.max);
    this.longFactor = 2 / (o.longWindow + 1);
    this.windowStart = now();
  }

  /** The current limit (whole requests). */
  get limit(): number {
    return Math.floor(this.estimate);
  }

  /** The long-term latency the limit compares against (ms), for the board. */
  get baselineMs(): number {
    return this.longRtt;
  }

  /**
   * One handler finished after `rttMs`, with `inFlight` requests held when it started. Cheap: a
   * sum and a count; the arithmetic runs once per window.
   */
  sample(rttMs: number, inFlight: number): void {
    this.windowSum += rttMs;
    this.windowCount++;
    if (inFlight > this.windowPeak) this.windowPeak = inFlight;
    if (this.windowCount < this.o.windowSamples) return;
    const t = this.now();
    if (t - this.windowStart < this.o.windowMs) return;
    const shortRtt = this.windowSum / this.windowCount;
    const peak = this.windowPeak;
    this.windowStart = t;
    this.windowSum = 0;
    this.windowCount = 0;
    this.windowPeak = 0;
    this.update(shortRtt, peak);
  }

  /** Gradient2's update for one window of average latency `shortRtt` and peak use `peak`. */
  update(shortRtt: number, peak: number): number {
    const o = this.o;
    this.longRtt = this.longRtt === 0 ? shortRtt : this.longRtt + (shortRtt - this.longRtt) * this.longFactor;
    // After a long spell of overload the long average is high: let it come down faster than the
    // smoothing would, so the limit recovers its meaning.
    if (shortRtt > 0 && this.longRtt / shortRtt > 2) this.longRtt *= 0.95;
    // Not using half the limit: latency says nothing about a larger one.
    if (peak < this.estimate / 2) return this.limit;
    const gradient = shortRtt <= 0 ? 1 : clamp((o.tolerance * this.longRtt) / shortRtt, 0.5, 1);
    const queue = Math.sqrt(this.estimate);
    const next = this.estimate * gradient + queue;
    this.estimate = clamp(this.estimate * (1 - o.smoothing) + next * o.smoothing, o.min, o.max);
    return this.limit;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
