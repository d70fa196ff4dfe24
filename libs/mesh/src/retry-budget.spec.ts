import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

describe('RetryBudget', () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('allows the floor at once, then only what requests earned', () => {
    const c = clock();
    const b = new RetryBudget({ ratio: 0.1, minPerSecond: 10, cap: 100 }, c.now);
    for (let i = 0; i < 10; i++) expect(b.tryWithdraw()).toBe(true);
    expect(b.tryWithdraw()).toBe(false);
    for (let i = 0; i < 30; i++) b.deposit(); // 30 requests earn 3 retries
    expect([b.tryWithdraw(), b.tryWithdraw(), b.tryWithdraw(), b.tryWithdraw()]).toEqual([true, true, true, false]);
  });

  it('refills the floor over time, up to the cap', () => {
    const c = clock();
    const b = new RetryBudget({ ratio: 0.1, minPerSecond: 10, cap: 25 }, c.now);
    for (let i = 0; i < 10; i++) b.tryWithdraw();
    expect(b.tryWithdraw()).toBe(false);
    c.advance(200); // 0.2 s × 10/s = 2
    expect([b.tryWithdraw(), b.tryWithdraw(), b.tryWithdraw()]).toEqual([true, true, false]);
    c.advance(60_000); // a long calm saves up no more than the cap
    let n = 0;
    while (b.tryWithdraw()) n++;
    expect(n).toBe(25);
  });

  it('under overload, retries stay near the ratio of requests', () => {
    const c = clock();
    const b = new RetryBudget({ ratio: 0.1, minPerSecond: 10, cap: 100 }, c.now);
    let retries = 0;
    // 10 s of 1 000 requests a second, every one of them wanting a retry.
    for (let ms = 0; ms < 10_000; ms++) {
      b.deposit();
      if (b.tryWithdraw()) retries++;
      c.advance(1);
    }
    expect(retries).toBeGreaterThan(1000); // 10 % of 10 000 …
    expect(retries).toBeLessThanOrEqual(1000 + 100 + 10); // … plus the floor, never much more
  });
});
