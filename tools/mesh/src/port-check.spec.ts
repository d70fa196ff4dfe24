import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { AppName } from './app-catalogue.js';
import { portsToCheck, portTaken, takenLine } from './port-check.js';

const replicas = (o: Partial<Record<AppName, number>>) => new Map(Object.entries(o) as Array<[AppName, number]>);

describe('the ports mesh up checks', () => {
  it('are the control port and the port of each edge replica, with the variable that moves each', () => {
    const uses = portsToCheck({
      controlPort: 3099,
      httpHost: '0.0.0.0',
      basePort: 3000,
      adminHost: '127.0.0.1',
      adminBasePort: 3100,
      replicas: replicas({ posts: 2, edge: 2 }),
    });
    expect(uses.map((u) => [u.host, u.port, u.variable])).toEqual([
      ['127.0.0.1', 3099, 'MESH_CONTROL_PORT'],
      ['0.0.0.0', 3000, 'PORT'],
      ['127.0.0.1', 3100, 'ADMIN_PORT'],
      ['0.0.0.0', 3001, 'PORT + 1'],
      ['127.0.0.1', 3101, 'ADMIN_PORT + 1'],
    ]);
    expect(takenLine(uses[1], 'EADDRINUSE')).toBe(
      'port 3000 is already in use: the edge listens there (PORT); stop what holds it, or set PORT to a free port',
    );
    expect(takenLine(uses[3], 'EADDRINUSE')).toBe(
      'port 3001 is already in use: edge replica 1 listens there (PORT + 1); stop what holds it, or set PORT to a free port',
    );
    expect(takenLine(uses[4], 'EADDRINUSE')).toBe(
      "port 3101 is already in use: edge replica 1's admin listener listens there (ADMIN_PORT + 1); stop what holds it, or set ADMIN_PORT to a free port",
    );
  });

  it('finds a port taken on loopback also taken for an edge bound to every address', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as { port: number };
    try {
      expect(await portTaken('127.0.0.1', port)).toBe('EADDRINUSE');
      expect(await portTaken('0.0.0.0', port)).toBe('EADDRINUSE');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await portTaken('0.0.0.0', port)).toBeNull();
  });
});
