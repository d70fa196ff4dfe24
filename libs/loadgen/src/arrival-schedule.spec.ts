import { describe, expect, it } from 'vitest';
import { arrivalSchedule, phasedSchedule } from './arrival-schedule.js';
import { pickWeighted, seededRandom } from './seeded-random.js';
import { kneeOf, servesWell } from './rate-sweep.js';
import type { OpenLoopResult } from './open-loop.js';

describe('the arrival schedule', () => {
  it('is a Poisson process at the asked rate: mean gap 1/rate, gaps exponential (sd ≈ mean)', () => {
    const offsets = arrivalSchedule(200, 500, seededRandom(42));
    const gaps = offsets.map((t, i) => t - (offsets[i - 1] ?? 0));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    expect(offsets.length).toBeGreaterThan(200 * 500 * 0.98);
    expect(offsets.length).toBeLessThan(200 * 500 * 1.02);
    expect(mean).toBeCloseTo(5, 1);
    expect(sd / mean).toBeCloseTo(1, 1);
    // The exponential's median is mean × ln 2 (a uniform or fixed gap would not be).
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
    expect(median / mean).toBeCloseTo(Math.LN2, 1);
    expect(offsets.every((t, i) => i === 0 || t > offsets[i - 1])).toBe(true);
    expect(offsets.at(-1)).toBeLessThan(500_000);
  });

  it('is the same for the same seed and different for another', () => {
    expect(arrivalSchedule(50, 10, seededRandom(7))).toEqual(arrivalSchedule(50, 10, seededRandom(7)));
    expect(arrivalSchedule(50, 10, seededRandom(7))).not.toEqual(arrivalSchedule(50, 10, seededRandom(8)));
  });

  it('phased: each phase at its own rate, one after the other (a spike is 4× as dense for its stretch)', () => {
    const offsets = phasedSchedule(
      [
        { ratePerSec: 100, seconds: 20 },
        { ratePerSec: 400, seconds: 10 },
        { ratePerSec: 100, seconds: 20 },
      ],
      seededRandom(3),
    );
    const within = (a: number, b: number) => offsets.filter((t) => t >= a * 1000 && t < b * 1000).length;
    expect(within(0, 20) / 20).toBeGreaterThan(90);
    expect(within(0, 20) / 20).toBeLessThan(110);
    expect(within(20, 30) / 10).toBeGreaterThan(370);
    expect(within(20, 30) / 10).toBeLessThan(430);
    expect(within(30, 50) / 20).toBeGreaterThan(90);
    expect(within(30, 50) / 20).toBeLessThan(110);
    expect(offsets.every((t, i) => i === 0 || t > offsets[i - 1])).toBe(true);
    expect(offsets.at(-1)).toBeLessThan(50_000);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => arrivalSchedule(0, 1, seededRandom(1))).toThrow('arrival rate must be positive, got 0');
  });
});

describe('the weighted mix', () => {
  it('picks each kind in proportion to its weight', () => {
    const kinds = [
      { name: 'home', weight: 60 },
      { name: 'user', weight: 30 },
      { name: 'post', weight: 10 },
    ];
    const random = seededRandom(3);
    const counts: Record<string, number> = { home: 0, user: 0, post: 0 };
    for (let i = 0; i < 100_000; i++) counts[pickWeighted(kinds, random).name]++;
    expect(counts.home / 1e5).toBeCloseTo(0.6, 2);
    expect(counts.user / 1e5).toBeCloseTo(0.3, 2);
    expect(counts.post / 1e5).toBeCloseTo(0.1, 2);
  });
});

describe('the knee', () => {
  const result = (goodputRatio: number, p99Ms: number) =>
    ({ goodputMs: 500, total: { goodputRatio, p99Ms } }) as OpenLoopResult;

  it('serves well: goodput ≥ 95 % of offered and p99 under the threshold', () => {
    expect(servesWell(result(0.95, 499))).toBe(true);
    expect(servesWell(result(0.94, 10))).toBe(false);
    expect(servesWell(result(1, 500))).toBe(false);
    expect(servesWell(result(0.9, 10), { minGoodputRatio: 0.9 })).toBe(true);
  });

  it('is the highest rate that served well, null when none did', () => {
    expect(
      kneeOf([
        { ratePerSec: 100, servesWell: true },
        { ratePerSec: 200, servesWell: false },
        { ratePerSec: 300, servesWell: true },
        { ratePerSec: 400, servesWell: false },
      ]),
    ).toBe(300);
    expect(kneeOf([{ ratePerSec: 100, servesWell: false }])).toBeNull();
  });
});
