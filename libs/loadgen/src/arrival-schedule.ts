// When each request of an open-loop run is meant to start: a Poisson process at a constant rate
// (exponential gaps), fixed before the run, so the system's slowness cannot slow the arrivals.

/** An exponential gap in ms for `ratePerSec` arrivals per second. */
export function exponentialGapMs(ratePerSec: number, random: () => number): number {
  // 1 - random() is in (0, 1]: never log(0).
  return (-Math.log(1 - random()) / ratePerSec) * 1000;
}

/** Intended start offsets (ms from the run's start) of every arrival within `seconds`. */
export function arrivalSchedule(ratePerSec: number, seconds: number, random: () => number): number[] {
  if (!(ratePerSec > 0)) throw new Error(`arrival rate must be positive, got ${ratePerSec}`);
  const offsets: number[] = [];
  const end = seconds * 1000;
  for (let t = exponentialGapMs(ratePerSec, random); t < end; t += exponentialGapMs(ratePerSec, random)) {
    offsets.push(t);
  }
  return offsets;
}

/** One stretch of a phased run: this rate for this long. */
export interface RatePhase {
  ratePerSec: number;
  seconds: number;
}

/**
 * Intended starts of a run made of phases one after the other (a spike: a low rate, a high one,
 * the low one again), each its own Poisson process, offsets from the run's start.
 */
export function phasedSchedule(phases: readonly RatePhase[], random: () => number): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const p of phases) {
    for (const t of arrivalSchedule(p.ratePerSec, p.seconds, random)) offsets.push(at + t);
    at += p.seconds * 1000;
  }
  return offsets;
}
