import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appMainFile, findRepoRoot, replicaEnv } from './app-catalogue.js';

describe('replicaEnv', () => {
  it('gives each edge replica its own port from the base, and every replica its index', () => {
    const base = { NATS_URL: 'nats://x:4222', PORT: '3000' };
    expect(replicaEnv('edge', 0, base, 3000)).toEqual({ NATS_URL: 'nats://x:4222', PORT: '3000', REPLICA_INDEX: '0' });
    expect(replicaEnv('edge', 2, base, 3000)).toEqual({ NATS_URL: 'nats://x:4222', PORT: '3002', REPLICA_INDEX: '2' });
    expect(replicaEnv('posts', 1, base, 3000)).toEqual({ NATS_URL: 'nats://x:4222', PORT: '3000', REPLICA_INDEX: '1' });
  });
});

describe('findRepoRoot', () => {
  it('finds the repository from the sources, whatever the working directory', () => {
    const root = findRepoRoot();
    expect(existsSync(join(root, 'tools', 'mesh', 'src', 'app-catalogue.ts'))).toBe(true);
    expect(appMainFile(root, 'posts')).toBe(join(root, 'dist', 'apps', 'posts', 'src', 'main.js'));
  });
});
