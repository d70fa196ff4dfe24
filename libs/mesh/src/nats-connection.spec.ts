import { describe, expect, it } from 'vitest';
import { minorityWatchFor, natsConnectOptions } from './nats-connection.js';

describe('natsConnectOptions', () => {
  const url = 'nats://n2:4222, nats://n3:4222,nats://n1:4222';

  it('tries the servers at random by default, so replicas spread over a cluster by chance', () => {
    const o = natsConnectOptions({ url, name: 'posts' });
    expect(o.servers).toEqual(['nats://n2:4222', 'nats://n3:4222', 'nats://n1:4222']);
    expect(o.noRandomize).toBe(false);
  });

  it('keeps the listed order with serverOrder listed (a replica preferring its own node)', () => {
    expect(natsConnectOptions({ url, name: 'posts', serverOrder: 'listed' }).noRandomize).toBe(true);
    expect(natsConnectOptions({ url, name: 'posts', serverOrder: 'random' }).noRandomize).toBe(false);
  });

  it('never gives up reconnecting', () => {
    expect(natsConnectOptions({ url, name: 'posts' }).maxReconnectAttempts).toBe(-1);
  });
});

describe('natsConnectOptions with a minority watch', () => {
  it('dials through the watch, and gives up a dial after 2 s rather than 20 s', () => {
    const watch = minorityWatchFor('nats://a:4222,nats://b:4222');
    const o = natsConnectOptions({ url: 'nats://a:4222,nats://b:4222', name: 'edge', minorityWatch: watch });
    expect(o.reconnectToServer).toBe(watch.pick);
    expect(o.timeout).toBe(2000);
  });
});
