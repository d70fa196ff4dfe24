import { describe, expect, it } from 'vitest';
import { batchedLoader } from './batched-loader.js';

describe('batchedLoader', () => {
  it('asks once for every key of one event-loop turn, keys in order (repeats kept), and never caches', async () => {
    const batches: string[][] = [];
    let version = 0;
    const loader = batchedLoader((keys: readonly string[]) => {
      batches.push([...keys]);
      return Promise.resolve(keys.map((k) => `${k}@${version}`));
    });
    // Asked a few awaits apart, as concurrent requests do: still one batch.
    const first = loader.load('a');
    await Promise.resolve();
    const second = Promise.all([loader.load('b'), loader.load('a')]);
    expect(await first).toBe('a@0');
    expect(await second).toEqual(['b@0', 'a@0']);
    expect(batches).toEqual([['a', 'b', 'a']]);

    version = 1; // the rows changed: the next turn reads them afresh
    expect(await loader.load('a')).toBe('a@1');
    expect(batches).toHaveLength(2);
  });

  it('fails every load of a batch whose query failed (the database gone), and the next turn works again', async () => {
    let down = true;
    const loader = batchedLoader((keys: readonly string[]) =>
      down ? Promise.reject(new Error('connection refused')) : Promise.resolve(keys.map((k) => k.toUpperCase())),
    );
    const results = await Promise.allSettled([loader.load('x'), loader.load('y')]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.value))).toEqual([
      'connection refused',
      'connection refused',
    ]);
    down = false;
    expect(await loader.load('x')).toBe('X');
  });
});
