import { describe, expect, it } from 'vitest';
import type { Server } from '@nats-io/transport-node';
import { MinorityWatch } from './minority-watch.js';

const server = (listen: string) => ({ listen }) as Server;

describe('MinorityWatch', () => {
  it('a node that knows half of the cluster or less is on a minority side', () => {
    const w = new MinorityWatch({ configuredServers: 3 });
    expect(w.isMinority(3)).toBe(false);
    expect(w.isMinority(2)).toBe(false); // one node lost: still the majority
    expect(w.isMinority(1)).toBe(true);
  });

  it('learns the cluster from gossip when NATS_URL lists fewer servers', () => {
    const w = new MinorityWatch({ configuredServers: 1 });
    expect(w.isMinority(1)).toBe(false); // a single server is never a minority
    expect(w.isMinority(5)).toBe(false);
    expect(w.isMinority(3)).toBe(false);
    expect(w.isMinority(2)).toBe(true);
  });

  it('picks the first server of the pool that is not avoided, or leaves the choice to nats.js', () => {
    const w = new MinorityWatch({ configuredServers: 3 });
    const pool = [server('n1:4222'), server('n2:4222'), server('n3:4222')];
    expect(w.pick(pool)?.listen).toBe('n1:4222');
    (w as unknown as { avoided: Map<string, number> }).avoided.set('n1:4222', Date.now() + 60_000);
    expect(w.pick(pool)?.listen).toBe('n2:4222');
    (w as unknown as { avoided: Map<string, number> }).avoided.set('n2:4222', Date.now() + 60_000);
    (w as unknown as { avoided: Map<string, number> }).avoided.set('n3:4222', Date.now() + 60_000);
    expect(w.pick(pool)).toBeNull();
  });

  it('moves after two probes in a row hear half or less of the most heard lately', () => {
    const w = new MinorityWatch({ configuredServers: 3 });
    expect([16, 16, 15].map((n) => w.heardFew(n))).toEqual([false, false, false]);
    expect(w.heardFew(8)).toBe(false); // one short probe (a node killed, its clients moving)
    expect(w.heardFew(12)).toBe(false);
    expect(w.heardFew(6)).toBe(false);
    expect(w.heardFew(5)).toBe(true);
  });

  it('does not judge a mesh too small to tell', () => {
    const w = new MinorityWatch({ configuredServers: 3 });
    expect([3, 1, 1, 1].map((n) => w.heardFew(n))).toEqual([false, false, false, false]);
  });
});
