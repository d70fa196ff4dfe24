import { describe, expect, it } from 'vitest';
import { replicaEnv } from './app-catalogue.js';

describe('replicaEnv', () => {
  it('gives each edge replica its own port from the base, and every replica its index', () => {
    const base = { NATS_URL: 'nats://x:4222', PORT: '3000' };
    expect(replicaEnv('edge', 0, base, 3000)).toEqual({ NATS_URL: 'nats://x:4222', PORT: '3000', REPLICA_INDEX: '0' });
    expect(replicaEnv('edge', 2, base, 3000)).toEqual({ NATS_URL: 'nats://x:4222', PORT: '3002', REPLICA_INDEX: '2' });
    expect(replicaEnv('posts', 1, base, 3000)).toEqual({ NATS_URL: 'nats://x:4222', PORT: '3000', REPLICA_INDEX: '1' });
  });
});
