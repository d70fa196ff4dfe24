// The launcher's control API as data: what GET /status, POST /scale and POST /kill return.
// Shared by the launcher (producer) and the operator CLI (consumer).
import type { AppName } from './app-catalogue.js';

/** `starting` covers both a spawned replica not yet in $SRV and one waiting out its backoff. */
export type ReplicaState = 'starting' | 'running' | 'stopping' | 'crashed';

export const DrillSignals = ['KILL', 'TERM', 'STOP', 'CONT'] as const;
export type DrillSignal = (typeof DrillSignals)[number];

export interface LauncherReplica {
  index: number;
  /** null while waiting to be restarted, or after a crash loop. */
  pid: number | null;
  startedAt: string | null;
  restarts: number;
  state: ReplicaState;
  /** Sent SIGSTOP by `mesh kill` and not yet SIGCONT. */
  frozen: boolean;
}

export interface LauncherApp {
  app: AppName;
  desired: number;
  /** The desired replicas, then any still draining after a scale-down. */
  replicas: LauncherReplica[];
}

export interface LauncherStatus {
  pid: number;
  nats: { url: string; startedHere: boolean; pid: number | null };
  apps: LauncherApp[];
}

export interface DrainedReplica {
  index: number;
  pid: number;
  code: number | null;
  signal: string | null;
  ms: number;
}

export interface ScaleResult {
  app: AppName;
  from: number;
  to: number;
  started: Array<{ index: number; pid: number | null }>;
  drained: DrainedReplica[];
}

export interface KillResult {
  app: AppName;
  index: number;
  pid: number;
  signal: DrillSignal;
}
