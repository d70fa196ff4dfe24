import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { stallGuard } from './media-bucket.js';

/** Reads a stream to its end or its error, with the time that took. */
async function drain(r: Readable): Promise<{ bytes: number; error: string | null; ms: number }> {
  const started = performance.now();
  let bytes = 0;
  try {
    for await (const chunk of r) bytes += (chunk as Buffer).length;
    return { bytes, error: null, ms: performance.now() - started };
  } catch (err) {
    return { bytes, error: (err as Error).message, ms: performance.now() - started };
  }
}

describe('stallGuard', () => {
  it('cuts off a stream that stops sending, once nothing came for the bound', async () => {
    let sent = false;
    // One chunk, then silence: what the store's reader of an object removed mid-read does.
    const source = new Readable({
      read: () => void (sent ? undefined : ((sent = true), source.push(Buffer.alloc(10)))),
    });
    const r = await drain(stallGuard(source, 150));
    expect([r.bytes, r.error]).toEqual([10, 'no media bytes for 150 ms']);
    expect(r.ms).toBeGreaterThanOrEqual(140);
    expect(r.ms).toBeLessThan(1000);
    expect(source.destroyed).toBe(true);
  });

  it('lets a slow stream through whose gaps stay under the bound', async () => {
    let n = 0;
    const source = new Readable({
      read: () => void setTimeout(() => source.push(n++ < 5 ? Buffer.alloc(100) : null), 60),
    });
    expect(await drain(stallGuard(source, 150))).toMatchObject({ bytes: 500, error: null });
  });
});
