// The chaos report's data, as chaos-report.json holds it and the page draws it.
import type { NotificationReconciliation } from '#testing';

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
  /** The service it took down, for a scale to 0. */
  service?: string;
  /** A few words for the chart ("likes → 0"). */
  label: string;
  /** What was done, with pids and exit codes. */
  detail: string;
  startedAt: number;
  endedAt: number;
  /** The failures docs/fail-soft.md allows while it lasts (and RECOVERY_MS after). */
  allows: { reads: boolean; writes: 'all' | 'likes' | 'follows' | 'none' };
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
  /** Percent of the GET /timeline/home reads answered degraded (built at read time without feed). */
  homeDegradedPercent: Array<number | null>;
  /** feed's consumer lag (pending + in flight, all its durables) as GET /mesh said in that second. */
  feedLag: Array<number | null>;
  /** notifications' consumer lag, likewise. */
  notificationsLag: Array<number | null>;
}

/** A reading of GET /mesh's consumer lag during the run. */
export interface LagSample {
  at: number;
  /** pending + in flight of all the service's durables, per consuming service. */
  byService: Record<string, number>;
}

/** The home feed's part of the run: fallback reads during feed's outage, its lag, the reconciliation. */
export interface FeedsReport {
  homeReads: number;
  /** Home reads sent while feed was at 0 (its fault, before it was back), and how many were degraded ["feed"]. */
  homeReadsFeedDown: number;
  homeDegradedFeedDown: number;
  /** Home reads that failed while feed was at 0 (docs/fail-soft.md: none may). */
  homeFailedFeedDown: number;
  /** The highest lag feed's consumers reached, and when (s on the load axis). */
  lagPeak: number;
  lagPeakS: number | null;
  /** Seconds from feed's return (its fault's end) to its lag's first reading of 0; null if never seen. */
  drainedAfterS: number | null;
  reconciliation: { users: number; checked: number; missing: string[]; twice: string[]; extra: string[] };
}

/** Notifications' part of the run: its lag while it was at 0 and its drain, the recipient's notifications reconciled. */
export interface NotificationsReport {
  /** The highest lag notifications' consumers reached, and when (s on the load axis). */
  lagPeak: number;
  lagPeakS: number | null;
  /** Seconds from notifications' return (its fault's end) to its lag's first reading of 0; null if never seen. */
  drainedAfterS: number | null;
  /** Writes that feed notifications (likes, comments, follows, unfollows) acknowledged while it was at 0. */
  writesWhileDown: number;
  /** Of them, answered with an error (docs/fail-soft.md: none may fail for notifications). */
  failedWritesWhileDown: number;
  reconciliation: NotificationReconciliation;
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
  feeds: FeedsReport;
  notifications: NotificationsReport;
  verdict: { ok: boolean; headline: string; expected: string };
}
