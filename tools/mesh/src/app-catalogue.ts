// The apps the launcher knows how to run. Adding one (comments, likes, media, messaging) is
// one line here. An `http` app gets its own PORT per replica (Node 20 has no SO_REUSEPORT) and
// counts as running once `livePath` answers 200; the others once their pid answers $SRV.
export interface AppEntry {
  name: string;
  http?: { livePath: string };
}

export const AppCatalogue = [
  { name: 'identity' },
  { name: 'posts' },
  { name: 'comments' },
  { name: 'likes' },
  { name: 'media' },
  { name: 'messaging' },
  { name: 'graph' },
  { name: 'feed' },
  { name: 'edge', http: { livePath: '/health/live' } },
] as const satisfies readonly AppEntry[];

export type AppName = (typeof AppCatalogue)[number]['name'];
export const AppNames: readonly AppName[] = AppCatalogue.map((a) => a.name);

export function isAppName(name: string): name is AppName {
  return (AppNames as readonly string[]).includes(name);
}

export function appEntry(name: AppName): AppEntry {
  return AppCatalogue.find((a) => a.name === name) as AppEntry;
}

/** The HTTP port replica `index` of an http app listens on; null for the others. */
export function replicaPort(app: AppName, index: number, basePort: number): number | null {
  return appEntry(app).http ? basePort + index : null;
}

/** A replica's env: the launcher's, plus its index, plus its own HTTP port for an http app. */
export function replicaEnv(app: AppName, index: number, base: NodeJS.ProcessEnv, basePort: number): NodeJS.ProcessEnv {
  const port = replicaPort(app, index, basePort);
  return { ...base, REPLICA_INDEX: String(index), ...(port === null ? {} : { PORT: String(port) }) };
}
