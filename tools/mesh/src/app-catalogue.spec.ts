import { describe, expect, it } from 'vitest';
import { replicaEnv } from './app-catalogue.js';

describe('replicaEnv', () => {
  it('gives each edge replica its own port from the base, and every replica its index', () => {
    const base = { NATS_URL: 'nats://x:4222', PORT: '3000' };
    const edge = (i: number, port: string, admin: string) => ({
      NATS_URL: 'nats://x:4222',
      PORT: port,
      ADMIN_PORT: admin,
      REPLICA_INDEX: String(i),
    });
    // Each edge replica its own admin port too (two cannot share one on a machine).
    expect(replicaEnv('edge', 0, base, 3000, 3100)).toEqual(edge(0, '3000', '3100'));
    expect(replicaEnv('edge', 2, base, 3000, 3100)).toEqual(edge(2, '3002', '3102'));
    expect(replicaEnv('posts', 1, base, 3000, 3100)).toEqual({
      NATS_URL: 'nats://x:4222',
      PORT: '3000',
      REPLICA_INDEX: '1',
    });
  });
});
