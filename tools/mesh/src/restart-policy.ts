// When a replica that exited on its own is started again: exponential backoff so a broken
// replica does not spin a core, and a crash-loop limit so it is reported instead of retried
// forever. Pure (times are passed in) so it is unit tested without processes.

export interface RestartPolicyOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run longer than this proves the replica can work: the backoff starts over. */
  stableAfterMs: number;
  crashLimit: number;
  crashWindowMs: number;
}

export const DefaultRestartPolicy: RestartPolicyOptions = {
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  stableAfterMs: 30_000,
  crashLimit: 5,
  crashWindowMs: 60_000,
};

export type RestartDecision = { kind: 'restart'; delayMs: number } | { kind: 'give-up'; crashes: number };

export class RestartPolicy {
  private crashTimes: number[] = [];
  private streak = 0;

  constructor(private readonly o: RestartPolicyOptions = DefaultRestartPolicy) {}

  /**
   * A replica started at `startedAt` exited at `exitedAt` without the launcher asking.
   * `byOperator`: the exit followed a `mesh kill` drill; the replica is put back at once and
   * the exit is not counted as a crash (a drill repeated in a loop must not mark it crashed).
   */
  onExit(startedAt: number, exitedAt: number, byOperator = false): RestartDecision {
    if (byOperator) return { kind: 'restart', delayMs: this.o.initialDelayMs };
    if (exitedAt - startedAt > this.o.stableAfterMs) this.streak = 0;
    this.crashTimes = [...this.crashTimes.filter((t) => exitedAt - t < this.o.crashWindowMs), exitedAt];
    if (this.crashTimes.length >= this.o.crashLimit) return { kind: 'give-up', crashes: this.crashTimes.length };
    const delayMs = Math.min(this.o.maxDelayMs, this.o.initialDelayMs * 2 ** this.streak);
    this.streak++;
    return { kind: 'restart', delayMs };
  }

  /** An operator's scale gives a crashed replica a fresh start. */
  reset(): void {
    this.crashTimes = [];
    this.streak = 0;
  }
}
