// The overload drill's report (overload-report.json; overload-report.html draws it).
import type { StepFigures, Window } from './overload-figures.js';

export type ArmName = 'on' | 'off';

export interface RssFigures {
  /** The edge's resident memory after the step, MB. */
  edgeMb: number;
  /** The largest replica's, MB, and which app it is. */
  largestReplicaMb: number;
  largestReplica: string;
}

export interface OverloadStep extends StepFigures {
  /** The step's rate as a multiple of the knee (0.5, 1, 2, 4). */
  multiple: number;
  ratePerSec: number;
  seconds: number;
  /**
   * Below the knee: measured in this many slices, taking turns with the other arm's mesh (both
   * up at once), so that what the machine does meanwhile weighs on both arms alike; 1 otherwise.
   */
  slices: number;
  /** p99 of the mix's reads alone (global page, home page, one post), ms. */
  readP99Ms: number;
  /** The edge's (sent + retries) ÷ the NATS requests its routes wanted (see overload-figures.ts). */
  amplification: number;
  retries: number;
  /** How late the generator itself sent, p99 ms: its own overload shows here. */
  generatorLagP99Ms: number;
  rss: RssFigures;
}

export interface SpikeFigures extends StepFigures {
  lowRatePerSec: number;
  highRatePerSec: number;
  /** Seconds from the run's start: the spike's start and end. */
  spikeFromS: number;
  spikeToS: number;
  seconds: number;
  /** p99 by intended start, per 500 ms window. */
  series: Window[];
  /** Seconds after the spike's end until p99 stayed under 500 ms; null: not by the end of the run. */
  recoveryS: number | null;
  amplification: number;
}

export interface ReplicaShare {
  id: string;
  slow: boolean;
  /** Its requests ÷ the service's, during the step. */
  share: number;
  /** Mean handling time of what it served during the step, ms (its $SRV.STATS). */
  meanMs: number;
}

export interface SlowReplicaFigures extends StepFigures {
  service: string;
  /** Its rate as a multiple of the knee; compared with the healthy step at the same multiple. */
  multiple: number;
  ratePerSec: number;
  seconds: number;
  /** How the slow replica was made slow. */
  how: string;
  /** p99 of the mix's reads alone, ms: what hedging protects (writes are not asked twice early). */
  readP99Ms: number;
  /** Each replica of the service during the healthy step at the same multiple and during this one. */
  healthy: ReplicaShare[];
  during: ReplicaShare[];
}

export interface OverloadArm {
  arm: ArmName;
  /** OVERLOAD_PROTECTION for every process of the arm's mesh. */
  protection: boolean;
  steps: OverloadStep[];
  spike: SpikeFigures;
  slowReplica: SlowReplicaFigures;
}

export interface SweepFigure {
  ratePerSec: number;
  /** ≥ 95 % full answers (2xx within 500 ms, nothing degraded) and p99 under 500 ms. */
  servesWell: boolean;
  /** Full answers ÷ arrivals. */
  goodShare: number;
  p99Ms: number;
}

export interface Criterion {
  name: string;
  /** What was measured, in words and numbers. */
  measured: string;
  pass: boolean;
}

export interface OverloadReport {
  scenario: 'short' | 'full';
  startedAt: string;
  durationS: number;
  machine: { cpus: number; node: string; loadAverage: number };
  /** The load generator's scheduling priority (raised when the drill runs as root). */
  generatorPriority: string;
  replicas: Record<string, number>;
  mix: Array<{ name: string; weight: number }>;
  sweep: SweepFigure[];
  kneeRatePerSec: number;
  arms: OverloadArm[];
  criteria: Criterion[];
  verdict: { ok: boolean; passed: number; of: number };
}
