// The one line `mesh up` prints when the mesh is ready: where to go, what runs, how to stop.
// Pure; the launcher decides when (announceWhenReady).
import { appEntry, type AppName } from './app-catalogue.js';

export interface ReadyFacts {
  /** The first edge replica's URL; null when no edge runs. */
  url: string | null;
  services: number;
  replicas: number;
}

/** What the line says, from the replica counts: services are the non-HTTP apps that run. */
export function readyFacts(replicas: ReadonlyMap<AppName, number>, edgeHost: string, basePort: number): ReadyFacts {
  const running = [...replicas].filter(([, n]) => n > 0);
  const edge = running.some(([app]) => appEntry(app).http !== undefined);
  return {
    url: edge ? `http://${browsableHost(edgeHost)}:${basePort}` : null,
    services: running.filter(([app]) => appEntry(app).http === undefined).length,
    replicas: running.reduce((sum, [, n]) => sum + n, 0),
  };
}

/** An edge bound to every address (or to loopback) is reached at localhost. */
function browsableHost(host: string): string {
  if (['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function readyLine(f: ReadyFacts): string {
  const where = f.url ?? 'no edge (not in MESH_APPS)';
  return `failsoft is up: ${where} · ${count(f.services, 'service')}, ${count(f.replicas, 'replica')} · Ctrl-C to stop`;
}
