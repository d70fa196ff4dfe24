// How many retries a caller may send: a share of its requests plus a small floor per second
// (Finagle's RetryBudget; gRPC's retry throttling). Retries rescue requests that a killed or
// frozen replica took with it; when every replica is merely slow (overload), retrying each
// timed-out request doubles the load on replicas already behind and makes them slower still.
// With a budget, a few retries a second always go out, and beyond that at most `ratio` of the
// requests sent lately; the rest keep waiting for their first try.

export interface RetryBudgetOptions {
  /** Retries allowed per request sent (0.1: one retry per ten requests). */
  ratio: number;
  /** Retries allowed per second whatever the traffic (so a quiet caller can still retry). */
  minPerSecond: number;
  /** The most retries that can be saved up in calm times. */
  cap: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetOptions = { ratio: 0.1, minPerSecond: 10, cap: 100 };

export class RetryBudget {
  private balance: number;
  private refilledAt: number;

  constructor(
    private readonly o: RetryBudgetOptions = DEFAULT_RETRY_BUDGET,
    private readonly now: () => number = Date.now,
  ) {
    this.balance = o.minPerSecond;
    this.refilledAt = now();
  }

  /** A request was sent: it earns `ratio` of a retry. */
  deposit(): void {
    this.balance = Math.min(this.o.cap, this.balance + this.o.ratio);
  }

  /** Whether a retry may go out now; takes it from the budget if so. */
  tryWithdraw(): boolean {
    const now = this.now();
    const elapsed = (now - this.refilledAt) / 1000;
    if (elapsed > 0) {
      this.balance = Math.min(this.o.cap, this.balance + elapsed * this.o.minPerSecond);
      this.refilledAt = now;
    }
    if (this.balance < 1) return false;
    this.balance -= 1;
    return true;
  }
}
