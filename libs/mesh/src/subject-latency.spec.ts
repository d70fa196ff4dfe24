import { describe, expect, it } from 'vitest';
import { SubjectLatency } from './subject-latency.js';

describe("a subject's p95", () => {
  it('is unknown until enough replies were seen', () => {
    const l = new SubjectLatency(64);
    for (let i = 0; i < 63; i++) l.record(5);
    expect(l.p95Ms).toBeUndefined();
    l.record(5);
    expect(l.p95Ms).toBeGreaterThanOrEqual(5);
    expect(l.p95Ms).toBeLessThan(5 * 1.25);
  });

  it('sits above 95 % of the replies and below the slow 5 %, within a bucket (25 %)', () => {
    const l = new SubjectLatency(100);
    for (let i = 0; i < 100; i++) l.record(i < 96 ? 10 : 400);
    expect(l.p95Ms).toBeGreaterThanOrEqual(10);
    expect(l.p95Ms).toBeLessThan(12.5);
    const slow = new SubjectLatency(100);
    for (let i = 0; i < 100; i++) slow.record(i < 90 ? 10 : 400);
    expect(slow.p95Ms).toBeGreaterThanOrEqual(400);
    expect(slow.p95Ms).toBeLessThan(500);
  });

  it('follows the recent replies: old ones fade by half at each recompute', () => {
    const l = new SubjectLatency(100);
    for (let i = 0; i < 100; i++) l.record(100);
    expect(l.p95Ms).toBeGreaterThanOrEqual(100);
    for (let r = 0; r < 5; r++) for (let i = 0; i < 100; i++) l.record(2);
    expect(l.p95Ms).toBeLessThan(2.5);
  });
});
