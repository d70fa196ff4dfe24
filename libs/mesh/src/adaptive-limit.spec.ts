// Gradient2's arithmetic, window by window, with a fake clock.
import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, DEFAULT_ADAPTIVE_LIMIT, type AdaptiveLimitOptions } from './adaptive-limit.js';

const options = (o: Partial<AdaptiveLimitOptions> = {}): AdaptiveLimitOptions => ({
  ...DEFAULT_ADAPTIVE_LIMIT,
  initial: 100,
  min: 10,
  max: 1000,
  ...o,
});

describe('the adaptive limit', () => {
  it('grows by a smoothed √limit per window while latency holds and the limit is used', () => {
    const l = new AdaptiveLimit(options(), () => 0);
    // gradient 1 (10 ms both): 100·0.8 + (100 + √100)·0.2 = 102
    expect(l.update(10, 100)).toBe(102);
    // 102·0.8 + (102 + √102)·0.2 = 104.0199…
    expect(l.update(10, 100)).toBe(104);
  });

  it('does not grow while the replica uses under half of it (no evidence for more)', () => {
    const l = new AdaptiveLimit(options(), () => 0);
    expect(l.update(10, 49)).toBe(100);
    expect(l.update(10, 0)).toBe(100);
  });

  it('shrinks by the ratio of long to recent latency beyond the tolerance, at most halving the estimate', () => {
    const l = new AdaptiveLimit(options({ longWindow: 1_000_000 }), () => 0);
    l.update(10, 100); // long ≈ 10, limit 102
    // recent 30 ms: gradient = 1.5·10/30 = 0.5 → 102.0·0.8 + (102·0.5 + √102)·0.2 = 93.82…
    expect(l.update(30, 102)).toBe(93);
    // far worse latency: the gradient is floored at 0.5, so the same step again
    const before = l.limit;
    const after = l.update(1000, 102);
    expect(after).toBeLessThan(before);
    expect(after).toBeGreaterThan(before * 0.85);
  });

  it('stays within its bounds', () => {
    const low = new AdaptiveLimit(options({ initial: 12, min: 10, longWindow: 1_000_000 }), () => 0);
    low.update(1, 12);
    for (let i = 0; i < 50; i++) low.update(1000, 12);
    expect(low.limit).toBe(10);
    const high = new AdaptiveLimit(options({ initial: 990, max: 1000 }), () => 0);
    for (let i = 0; i < 50; i++) high.update(1, 1000);
    expect(high.limit).toBe(1000);
  });

  it('lets the long-term latency fall fast once recent latency is under half of it (recovery)', () => {
    const l = new AdaptiveLimit(options({ longWindow: 1_000_000 }), () => 0);
    l.update(100, 0);
    expect(l.baselineMs).toBe(100);
    l.update(10, 0);
    // the average barely moved (tiny factor), then the 0.95 decay applied
    expect(l.baselineMs).toBeCloseTo(95, 0);
  });

  it('updates once per window of enough samples and time, from their mean and peak in-flight', () => {
    let t = 0;
    const l = new AdaptiveLimit(options({ windowMs: 100, windowSamples: 3 }), () => t);
    l.sample(10, 60);
    l.sample(10, 60);
    t = 50;
    l.sample(10, 60); // enough samples, not enough time
    expect(l.limit).toBe(100);
    t = 100;
    l.sample(10, 60); // the window closes: mean 10, peak 60 ≥ 50 → grows
    expect(l.limit).toBe(102);
    t = 250;
    for (let i = 0; i < 3; i++) l.sample(10, 10); // peak 10 < 51: no growth
    expect(l.limit).toBe(102);
  });
});
