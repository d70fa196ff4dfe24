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
