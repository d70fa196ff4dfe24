// ReplicaLoad's arithmetic with the test's clock and random numbers, and the router's balanced
// path with a fake directory and send.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, MeshError } from '#contracts';
import { REFUSAL_PENALTY_MS, ReplicaLoad } from './replica-load.js';
import { ReplicaRouter, type ReplicaLookup } from './replica-router.js';

function clocked(randoms: number[] = []) {
  let t = 0;
  let i = 0;
  const load = new ReplicaLoad(
    () => t,
    () => randoms[i++ % Math.max(1, randoms.length)] ?? 0,
  );
  return { load, advance: (ms: number) => (t += ms) };
}

describe('ReplicaLoad', () => {
  it('costs latency × (outstanding + 1); a slower answer replaces the figure at once (peak EWMA)', () => {
    const { load, advance } = clocked();
    expect(load.cost('a')).toBe(1);
    const done = load.start('a');
    expect(load.cost('a')).toBe(2);
    advance(200);
    done();
    // 200 ms replaced the 1 ms at once, then faded by the ~0 ms since.
    expect(load.cost('a')).toBeCloseTo(200, 5);
    const again = load.start('a');
    expect(load.cost('a')).toBeCloseTo(400, 5);
    again(5);
    // A faster answer pulls it down by the weight of the time since the last sample (none: ~0).
    expect(load.cost('a')).toBeCloseTo(200, 5);
  });

  it('fades with time: a replica that was slow is tried again seconds later', () => {
    const { load, advance } = clocked();
    load.start('a')(200);
    advance(1000);
    expect(load.cost('a')).toBeCloseTo(200 / Math.E, 5);
    advance(5000);
    expect(load.cost('a')).toBe(1);
  });

  it('counts a refusal as a penalty, and a settle twice as once', () => {
    const { load } = clocked();
    const done = load.start('a');
    done(REFUSAL_PENALTY_MS);
    done(5000);
    expect(load.cost('a')).toBeCloseTo(REFUSAL_PENALTY_MS, 5);
  });

  it('picks the cheaper of two distinct random replicas; never the same twice in a pair', () => {
    // random 0 → index 0; second random 0 → index 0, shifted to 1 (distinct).
    const { load } = clocked([0, 0]);
    load.start('a')(50);
    load.start('b')(5);
    expect(load.pick(['a', 'b', 'c'])).toBe('b');
    expect(load.pick(['a'])).toBe('a');
    expect(load.pick([])).toBeUndefined();
  });

  it('a replica holding requests unanswered loses the pick, and the cheapest is where a hedge goes', () => {
    const { load } = clocked([0.1, 0.6]);
    load.start('a')(3);
    load.start('b')(3);
    load.start('c')(3);
    // b holds three requests: a (index 0) and b (index 1 of the rest → 2, i.e. c)… pick a/c.
    load.start('b');
    load.start('b');
    load.start('b');
    expect(load.cheapest(['a', 'b', 'c'])).not.toBe('b');
    const picks = new Set(Array.from({ length: 10 }, () => load.pick(['a', 'b', 'c'])));
    expect(picks.has('b')).toBe(false);
  });

  it('forgets a replica that is gone', () => {
    const { load } = clocked();
    load.start('a')(300);
    load.forget('a');
    expect(load.cost('a')).toBe(1);
  });
});

describe('ReplicaRouter with a ReplicaLoad', () => {
  const directory = (alive: string[]): ReplicaLookup => ({
    alive: (_s, max) => alive.slice(0, max),
    hasStale: () => false,
    forget: () => undefined,
  });

  it('sends first tries to replicas by their own subjects, away from the one that answers slowly', async () => {
    let t = 0;
    const load = new ReplicaLoad(() => t);
    const router = new ReplicaRouter(directory(['a', 'b', 'c']), () => t, load);
    // Replica a answered after 200 ms (the deadline), b and c at once.
    load.start('a')(200);
    load.start('b')(2);
    load.start('c')(2);
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) {
      t += 10;
      await router.firstTry('likes', 'likes.counts', (target) => {
        sent.push(target);
        return Promise.resolve('ok');
      });
    }
    expect(sent.every((s) => s.startsWith('likes.counts.'))).toBe(true);
    expect(sent.filter((s) => s === 'likes.counts.a')).toEqual([]);
    expect(new Set(sent)).toEqual(new Set(['likes.counts.b', 'likes.counts.c']));
  });

  it('with one live replica, uses the queue group as without balancing', async () => {
    const router = new ReplicaRouter(directory(['a']), () => 0, new ReplicaLoad());
    const sent: string[] = [];
    await router.firstTry('likes', 'likes.counts', (target) => {
      sent.push(target);
      return Promise.resolve();
    });
    expect(sent).toEqual(['likes.counts']);
  });

  it('a refusal makes the refusing replica cost more; a vanished one falls back to the queue group', async () => {
    const t = 0;
    const load = new ReplicaLoad(
      () => t,
      () => 0,
    );
    const router = new ReplicaRouter(directory(['a', 'b']), () => t, load);
    await expect(
      router.firstTry('likes', 'likes.counts', () =>
        Promise.reject(new MeshError(ErrorCodes.overloaded, 'full', undefined, 'likes')),
      ),
    ).rejects.toThrow('full');
    expect(load.cost('a')).toBeCloseTo(REFUSAL_PENALTY_MS, 5);
    const sent: string[] = [];
    await router.firstTry('likes', 'likes.counts', (target) => {
      sent.push(target);
      if (target !== 'likes.counts')
        return Promise.reject(new MeshError(ErrorCodes.noResponders, 'gone', undefined, 'likes'));
      return Promise.resolve('ok');
    });
    expect(sent).toEqual(['likes.counts.b', 'likes.counts']);
  });
});
