// One kind of request's outcomes: an HdrHistogram of latencies (µs, 3 significant digits) and
// the counts goodput and errors are made of.
import * as hdr from 'hdr-histogram-js';

export interface KindFigures {
  /** Arrivals scheduled for this kind (sent or not). */
  offered: number;
  /** Answered (any status) or failed on the wire; latencies of these are in the percentiles. */
  completed: number;
  /** 2xx answered within the goodput threshold. */
  good: number;
  /** Everything that was not a 2xx, by status code, or `timeout` / `network` / `unsent` (in-flight cap). */
  errors: Record<string, number>;
  /** good / offered: the share of arrivals served well. */
  goodputRatio: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export class LatencyRecorder {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  offered = 0;
  completed = 0;
  good = 0;
  readonly errors: Record<string, number> = {};

  constructor(private readonly goodputMs: number) {}

  /** A request that got an answer (status) or failed (an error name), `ms` after its intended start. */
  record(outcome: number | 'timeout' | 'network', ms: number): void {
    this.completed++;
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
    const ok = typeof outcome === 'number' && outcome >= 200 && outcome < 300;
    if (ok && ms <= this.goodputMs) this.good++;
    if (!ok) this.error(String(outcome));
  }

  /** An arrival that was never sent (the in-flight cap was reached): counted, never silently lost. */
  unsent(): void {
    this.error('unsent');
  }

  error(name: string): void {
    this.errors[name] = (this.errors[name] ?? 0) + 1;
  }

  figures(): KindFigures {
    const at = (p: number) => (this.completed ? round(this.histogram.getValueAtPercentile(p) / 1000) : 0);
    return {
      offered: this.offered,
      completed: this.completed,
      good: this.good,
      errors: { ...this.errors },
      goodputRatio: this.offered ? round3(this.good / this.offered) : 0,
      p50Ms: at(50),
      p90Ms: at(90),
      p99Ms: at(99),
      p999Ms: at(99.9),
      maxMs: this.completed ? round(this.histogram.maxValue / 1000) : 0,
    };
  }

  /** Adds another recorder's outcomes to this one (the "all kinds" total). */
  add(other: LatencyRecorder): void {
    this.histogram.add(other.histogram);
    this.offered += other.offered;
    this.completed += other.completed;
    this.good += other.good;
    for (const [k, n] of Object.entries(other.errors)) this.errors[k] = (this.errors[k] ?? 0) + n;
  }

  destroy(): void {
    this.histogram.destroy();
  }
}

export const round = (n: number) => Math.round(n * 100) / 100;
export const round3 = (n: number) => Math.round(n * 1000) / 1000;
