// The growing delay of an account after failed logins: the first `freeFailures` cost nothing,
// then each one more doubles the wait, up to a ceiling. Never a lockout: the wait is bounded and
// counted from the last failure, and a successful login forgets the failures.
export interface LoginDelayPolicy {
  freeFailures: number;
  baseMs: number;
  maxMs: number;
}

/** How long after its last failure an account with `failures` failures must wait. */
export function loginDelayMs(failures: number, p: LoginDelayPolicy): number {
  const over = failures - p.freeFailures;
  if (over <= 0) return 0;
  // 2 ** over overflows to Infinity long after maxMs is reached; min() keeps it finite.
  return Math.min(p.baseMs * 2 ** (over - 1), p.maxMs);
}

/** Ms still to wait at `now`, for an account whose last failure was at `lastFailureAt`. */
export function loginWaitMs(failures: number, lastFailureAt: number, now: number, p: LoginDelayPolicy): number {
  return Math.max(0, lastFailureAt + loginDelayMs(failures, p) - now);
}
