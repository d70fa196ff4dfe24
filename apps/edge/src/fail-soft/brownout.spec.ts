// When a service's optional parts are skipped, and that the skipping ends by itself.
import { describe, expect, it } from 'vitest';
import { Brownout, type BrownoutOptions } from './brownout.js';

const options: BrownoutOptions = { enabled: true, latencyTargetMs: 100, refusedShare: 0.1, holdMs: 2000 };

function clocked(o: Partial<BrownoutOptions> = {}) {
  let t = 0;
  const b = new Brownout({ ...options, ...o }, () => t);
  return { b, advance: (ms: number) => (t += ms) };
}

describe('the brownout', () => {
  it('leaves a service alone while it answers within its target and refuses nothing', () => {
    const { b } = clocked();
    for (let i = 0; i < 100; i++) b.observe('likes', 'ok', 20);
    expect(b.isBrownedOut('likes')).toBe(false);
    expect(b.states()).toEqual([{ service: 'likes', active: false, latencyMs: 20, refusedShare: 0 }]);
  });

  it('skips a service whose replicas refuse more than the share, for the hold, then asks again by itself', () => {
    const { b, advance } = clocked();
    for (let i = 0; i < 10; i++) b.observe('likes', 'ok', 10);
    // 0.1 weight per reply: two refusals in a row take the share from 0 to 0.19 > 0.1.
    b.observe('likes', 'overloaded', 0);
    expect(b.isBrownedOut('likes')).toBe(false);
    b.observe('likes', 'overloaded', 0);
    expect(b.isBrownedOut('likes')).toBe(true);
    expect(b.isBrownedOut('comments')).toBe(false);
    expect(b.states()[0]).toMatchObject({ service: 'likes', active: true, cause: 'overloaded' });
    advance(1999);
    expect(b.isBrownedOut('likes')).toBe(true);
    advance(2);
    expect(b.isBrownedOut('likes')).toBe(false);
  });

  it('skips a service whose average latency passes the target, and measures afresh after the hold', () => {
    const { b, advance } = clocked();
    for (let i = 0; i < 5; i++) b.observe('comments', 'ok', 300);
    expect(b.isBrownedOut('comments')).toBe(true);
    expect(b.states()[0].cause).toBe('latency');
    advance(2001);
    // Four fast replies after the hold are not yet evidence; none presses it again.
    for (let i = 0; i < 10; i++) b.observe('comments', 'ok', 10);
    expect(b.isBrownedOut('comments')).toBe(false);
  });

  it('does not count timeouts as latency (their duration is the deadline)', () => {
    const { b } = clocked();
    for (let i = 0; i < 20; i++) b.observe('media', 'timeout', 200);
    expect(b.isBrownedOut('media')).toBe(false);
  });

  it("skips every service while the edge's own event loop lags", () => {
    const { b } = clocked();
    let lagging = false;
    b.watchEdge(() => (lagging ? 'edge-lag' : null));
    b.observe('likes', 'ok', 5);
    expect(b.isBrownedOut('likes')).toBe(false);
    lagging = true;
    expect(b.isBrownedOut('likes')).toBe(true);
    expect(b.isBrownedOut('graph')).toBe(true);
    expect(b.states()[0]).toMatchObject({ active: true, cause: 'edge-lag' });
  });

  it('skips every service while the edge refuses at its own limit, and says so', () => {
    const { b } = clocked();
    let full = false;
    b.watchEdge(() => (full ? 'edge-limit' : null));
    b.observe('likes', 'ok', 5);
    full = true;
    expect(b.isBrownedOut('likes')).toBe(true);
    expect(b.states()[0]).toMatchObject({ active: true, cause: 'edge-limit' });
    full = false;
    expect(b.isBrownedOut('likes')).toBe(false);
  });

  it('switched off (OVERLOAD_PROTECTION=false), never skips', () => {
    const { b } = clocked({ enabled: false });
    b.watchEdge(() => 'edge-lag');
    for (let i = 0; i < 20; i++) b.observe('likes', 'overloaded', 0);
    expect(b.isBrownedOut('likes')).toBe(false);
  });
});
