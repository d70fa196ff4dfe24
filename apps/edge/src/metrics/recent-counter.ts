// Counts per key over the last minute (or any window), for figures Prometheus's ever-growing
// counters cannot give a page without a Prometheus: "degraded answers naming likes in the last
// 60 s". One-second buckets in a ring per key, so memory stays flat however busy the edge is.
export class RecentCounter {
  private readonly slots: number;
  private readonly rings = new Map<string, { counts: number[]; buckets: number[] }>();

  constructor(
    windowMs = 60_000,
    private readonly bucketMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.slots = Math.ceil(windowMs / bucketMs);
  }

  add(key: string, n = 1): void {
    let ring = this.rings.get(key);
    if (!ring) {
      ring = { counts: new Array<number>(this.slots).fill(0), buckets: new Array<number>(this.slots).fill(-1) };
      this.rings.set(key, ring);
    }
    const bucket = Math.floor(this.now() / this.bucketMs);
    const slot = bucket % this.slots;
    if (ring.buckets[slot] !== bucket) {
      ring.buckets[slot] = bucket;
      ring.counts[slot] = 0;
    }
    ring.counts[slot] += n;
  }

  /** The events of `key` in the window: the current second and the ones before it, `windowMs` in all. */
  count(key: string): number {
    const ring = this.rings.get(key);
    if (!ring) return 0;
    const oldest = Math.floor(this.now() / this.bucketMs) - this.slots + 1;
    let sum = 0;
    for (let i = 0; i < this.slots; i++) if (ring.buckets[i] >= oldest) sum += ring.counts[i];
    return sum;
  }
}
