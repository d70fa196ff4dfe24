// A sweep of arrival rates to find the knee: the highest rate the system still serves well
// (goodput at least a share of what was offered, and p99 under the goodput threshold).
import type { OpenLoopResult } from './open-loop.js';

export interface KneeRule {
  /** Good answers / arrivals at least this (default 0.95). */
  minGoodputRatio?: number;
  /** p99 of all answers under this; default the run's goodput threshold. */
  maxP99Ms?: number;
}

export function servesWell(r: OpenLoopResult, rule: KneeRule = {}): boolean {
  return r.total.goodputRatio >= (rule.minGoodputRatio ?? 0.95) && r.total.p99Ms < (rule.maxP99Ms ?? r.goodputMs);
}

export interface SweepLeg {
  ratePerSec: number;
  servesWell: boolean;
  result: OpenLoopResult;
}

export interface Sweep {
  legs: SweepLeg[];
  /** The highest rate of the sweep that served well; null when none did. */
  kneeRatePerSec: number | null;
}

/**
 * Runs `run` at each rate in ascending order; after `pastKnee` rates in a row that fail (default
 * 2), it stops — those show what happens past the knee, more would only cost time.
 */
export async function sweepRates(o: {
  rates: number[];
  run: (ratePerSec: number) => Promise<OpenLoopResult>;
  rule?: KneeRule;
  pastKnee?: number;
  onLeg?: (leg: SweepLeg) => void;
}): Promise<Sweep> {
  const legs: SweepLeg[] = [];
  let failing = 0;
  for (const ratePerSec of [...o.rates].sort((a, b) => a - b)) {
    const result = await o.run(ratePerSec);
    const leg = { ratePerSec, servesWell: servesWell(result, o.rule), result };
    legs.push(leg);
    o.onLeg?.(leg);
    failing = leg.servesWell ? 0 : failing + 1;
    if (failing >= (o.pastKnee ?? 2)) break;
  }
  return { legs, kneeRatePerSec: kneeOf(legs) };
}

/** The highest rate that served well (a noisy sweep may fail below a rate that passes: the highest pass counts). */
export function kneeOf(legs: Array<Pick<SweepLeg, 'ratePerSec' | 'servesWell'>>): number | null {
  const good = legs.filter((l) => l.servesWell).map((l) => l.ratePerSec);
  return good.length ? Math.max(...good) : null;
}
