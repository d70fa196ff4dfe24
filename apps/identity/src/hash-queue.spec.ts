import { describe, expect, it } from 'vitest';
import { ErrorCodes, MeshError } from '#contracts';
import { HashQueue } from './hash-queue.js';

/** Work that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  const calls: number[] = [];
  return { open, calls, work: (n: number) => () => (calls.push(n), done.then(() => n)) };
}

describe('the hash queue', () => {
  it('runs `concurrency` at once, queues `maxWaiting`, refuses one more at once with overloaded', async () => {
    const q = new HashQueue(2, 1);
    const g = gate();
    const running = [q.run(g.work(1)), q.run(g.work(2)), q.run(g.work(3))];
    await expect(q.run(g.work(4))).rejects.toEqual(
      new MeshError(ErrorCodes.overloaded, 'identity is busy hashing passwords; try again in a second'),
    );
    expect(g.calls).toEqual([1, 2]);
    expect(q.stats()).toEqual({ running: 2, waiting: 1, refused: 1, expired: 0 });
    g.open();
    expect(await Promise.all(running)).toEqual([1, 2, 3]);
    expect(g.calls).toEqual([1, 2, 3]);
    expect(q.stats()).toEqual({ running: 0, waiting: 0, refused: 1, expired: 0 });
  });

  it('drops a waiting hash whose deadline passed, without running it', async () => {
    const q = new HashQueue(1, 4);
    const g = gate();
    const first = q.run(g.work(1));
    const abandoned = q.run(g.work(2), Date.now() + 20);
    const alive = q.run(g.work(3), Date.now() + 60_000);
    await new Promise((r) => setTimeout(r, 40));
    g.open();
    await expect(abandoned).rejects.toMatchObject({ code: ErrorCodes.overloaded });
    expect([await first, await alive]).toEqual([1, 3]);
    expect(g.calls).toEqual([1, 3]);
    expect(q.stats()).toEqual({ running: 0, waiting: 0, refused: 0, expired: 1 });
  });

  it('frees the slot when the work fails', async () => {
    const q = new HashQueue(1, 0);
    await expect(q.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await q.run(() => Promise.resolve(7))).toBe(7);
  });
});
