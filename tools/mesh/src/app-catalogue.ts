// The apps the launcher knows how to run. Adding one (comments, likes, media, messaging) is
// one line here. An `http` app gets its own PORT per replica (Node 20 has no SO_REUSEPORT) and
// counts as running once `livePath` answers 200; the others once their pid answers $SRV.
export interface AppEntry {
  name: string;
  /** `admin`: it also has an admin listener, ADMIN_PORT, one per replica as PORT. */
  http?: { livePath: string; admin?: boolean };
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
  { name: 'notifications' },
  { name: 'edge', http: { livePath: '/health/live', admin: true } },
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

/** The admin port replica `index` of an app with an admin listener uses; null for the others. */
export function replicaAdminPort(app: AppName, index: number, adminBasePort: number): number | null {
  return appEntry(app).http?.admin ? adminBasePort + index : null;
}

/**
 * A replica's env: the launcher's, plus its index, plus its own HTTP port for an http app (and
 * its own ADMIN_PORT for one with an admin listener, given `adminBasePort`).
 */
export function replicaEnv(
  app: AppName,
  index: number,
  base: NodeJS.ProcessEnv,
  basePort: number,
  adminBasePort?: number,
): NodeJS.ProcessEnv {
  const port = replicaPort(app, index, basePort);
  const admin = adminBasePort === undefined ? null : replicaAdminPort(app, index, adminBasePort);
  return {
    ...base,
    REPLICA_INDEX: String(index),
    ...(port === null ? {} : { PORT: String(port) }),
    ...(admin === null ? {} : { ADMIN_PORT: String(admin) }),
  };
}
