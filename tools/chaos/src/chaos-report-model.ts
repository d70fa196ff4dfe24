// The chaos report's data, as chaos-report.json holds it and the page draws it.

/**
 * How long after a fault ends its failures still count as expected: docs/drills.md gives a service
 * scaled back, and PostgreSQL back, 5 s to answer normally again.
 */
export const RECOVERY_MS = 5000;

export type FaultKind = 'scale-to-zero' | 'sigkill' | 'rolling-sigterm' | 'sigstop' | 'postgres';

export interface FaultMark {
  /** 1-based, in the order they happened: the number on the charts. */
  id: number;
  kind: FaultKind;
  /** A few words for the chart ("likes → 0"). */
  label: string;
  /** What was done, with pids and exit codes. */
  detail: string;
  startedAt: number;
  endedAt: number;
  /** The failures docs/fail-soft.md allows while it lasts (and RECOVERY_MS after). */
  allows: { reads: boolean; writes: 'all' | 'likes' | 'none' };
}

export interface PerSecond {
  /** Seconds since the load started, the middle of each second (the x axis of every chart). */
  t: number[];
  reads: number[];
  /** Write attempts (a retried write counts each attempt). */
  writes: number[];
  failedReads: number[];
  /** Write attempts answered with an error status (503 mostly); the client retries them. */
  failedWriteAttempts: number[];
  /** Requests that got no answer within the client's timeout. */
  timedOut: number[];
  /** Failed reads (timeouts included) that no fault allowed: what the report is about. */
  unexpectedFailedReads: number[];
  readP99Ms: Array<number | null>;
  writeP99Ms: Array<number | null>;
  /** Percent of the reads that were answered with `degraded` non-empty. */
  degradedPercent: Array<number | null>;
}

export interface Totals {
  requests: number;
  reads: number;
  writes: number;
  writeAttempts: number;
  failedReads: number;
  failedReadsExpected: number;
  failedReadsUnexpected: number;
  failedWrites: number;
  failedWritesExpected: number;
  failedWritesUnexpected: number;
  timedOut: number;
  degradedReads: number;
  lost: number;
  duplicated: number;
  recovered: number;
  readP50Ms: number;
  readP99Ms: number;
  worstReadMs: number;
  worstWriteMs: number;
}

export interface ReportFault extends FaultMark {
  startS: number;
  endS: number;
  /** Failed reads and writes sent while it lasted (and up to RECOVERY_MS after, until the next fault). */
  failedReads: number;
  failedReadsExpected: number;
  failedWrites: number;
  failedWritesExpected: number;
}

/** Failures grouped by what they were, for the "what failed" table. */
export interface FailureGroup {
  kind: 'read' | 'write';
  route: string;
  /** The HTTP status (0 = no answer in time) — of the last attempt, for a write. */
  status: number;
  service?: string;
  expected: boolean;
  count: number;
  firstS: number;
  lastS: number;
}

export interface ChaosReport {
  scenario: 'short' | 'full';
  startedAt: string;
  durationS: number;
  machine: { cpus: number; node: string; loadAverage: number };
  replicas: Record<string, number>;
  faults: ReportFault[];
  series: PerSecond;
  failures: FailureGroup[];
  totals: Totals;
  lostWrites: string[];
  duplicatedWrites: string[];
  verdict: { ok: boolean; headline: string; expected: string };
}
