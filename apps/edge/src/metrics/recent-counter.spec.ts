import { describe, expect, it } from 'vitest';
import { RecentCounter } from './recent-counter.js';

describe('RecentCounter', () => {
  const clock = (start: number) => {
    let t = start;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('counts per key within the last 60 s, then forgets', () => {
    const c = clock(1_000_000);
    const counter = new RecentCounter(60_000, 1000, c.now);
    expect(counter.count('likes')).toBe(0);
    counter.add('likes');
    counter.add('likes', 2);
    counter.add('media');
    expect([counter.count('likes'), counter.count('media'), counter.count('comments')]).toEqual([3, 1, 0]);
    c.advance(30_000);
    counter.add('likes');
    expect(counter.count('likes')).toBe(4);
    // 59.9 s after the first three: still inside the window.
    c.advance(29_900);
    expect(counter.count('likes')).toBe(4);
    // 60 s after them: gone; the one from 30 s later stays.
    c.advance(100);
    expect(counter.count('likes')).toBe(1);
    c.advance(30_000);
    expect([counter.count('likes'), counter.count('media')]).toEqual([0, 0]);
  });

  it('reuses a slot after a full turn of the ring without counting the old turn', () => {
    const c = clock(5_000);
    const counter = new RecentCounter(3000, 1000, c.now);
    counter.add('x', 5);
    c.advance(3000); // same slot, next turn
    counter.add('x');
    expect(counter.count('x')).toBe(1);
    c.advance(1000);
    counter.add('x', 2);
    expect(counter.count('x')).toBe(3);
  });

  it('after a long quiet spell, nothing is left over', () => {
    const c = clock(0);
    const counter = new RecentCounter(60_000, 1000, c.now);
    for (let i = 0; i < 120; i++) {
      counter.add('likes');
      c.advance(500);
    }
    // Now at 60.0 s: the two of the first second (0–1 s) have left the window.
    expect(counter.count('likes')).toBe(118);
    c.advance(3_600_000);
    expect(counter.count('likes')).toBe(0);
  });
});
