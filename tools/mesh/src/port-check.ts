// Before `mesh up` starts anything: every port it will listen on must be free, or it refuses in
// one line naming the port and the variable that moves it. Without this, a taken edge port showed
// as an edge crashing five times with stack traces while the rest of the mesh ran on without it,
// and a second launcher as a control-port error after NATS had started.
import { createServer } from 'node:net';
import { appEntry, replicaAdminPort, replicaPort, type AppName } from './app-catalogue.js';
import { callControl, isError } from './control-client.js';
import type { LauncherStatus } from './control-types.js';

export interface PortUse {
  host: string;
  port: number;
  /** Who would listen there, for the message. */
  who: string;
  /** What the operator changes to move it: an env variable, or how the port follows from one. */
  variable: string;
  /** The variable itself, named in the advice. */
  setting: string;
}

/** The ports `mesh up` listens on: the control API, and each HTTP replica's own port (and admin port). */
export function portsToCheck(o: {
  controlPort: number;
  httpHost: string;
  basePort: number;
  /** Where each edge replica's admin listener binds (ADMIN_HOST, ADMIN_PORT + i). */
  adminHost: string;
  adminBasePort: number;
  replicas: ReadonlyMap<AppName, number>;
}): PortUse[] {
  const uses: PortUse[] = [
    {
      host: '127.0.0.1',
      port: o.controlPort,
      who: "the launcher's control API",
      variable: 'MESH_CONTROL_PORT',
      setting: 'MESH_CONTROL_PORT',
    },
  ];
  for (const [app, n] of o.replicas) {
    if (!appEntry(app).http) continue;
    for (let index = 0; index < n; index++) {
      uses.push({
        host: o.httpHost,
        port: replicaPort(app, index, o.basePort)!,
        who: index === 0 ? `the ${app}` : `${app} replica ${index}`,
        variable: index === 0 ? 'PORT' : `PORT + ${index}`,
        setting: 'PORT',
      });
      const admin = replicaAdminPort(app, index, o.adminBasePort);
      if (admin === null) continue;
      uses.push({
        host: o.adminHost,
        port: admin,
        who: index === 0 ? `the ${app}'s admin listener` : `${app} replica ${index}'s admin listener`,
        variable: index === 0 ? 'ADMIN_PORT' : `ADMIN_PORT + ${index}`,
        setting: 'ADMIN_PORT',
      });
    }
  }
  return uses;
}

/** Whether something already listens where `host:port` would bind (EADDRINUSE, or EACCES below 1024). */
export function portTaken(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    // exclusive: no sharing with a cluster primary's handle, so "free" means free.
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(null)));
  });
}

export function takenLine(use: PortUse, code: string): string {
  const why = code === 'EADDRINUSE' ? 'is already in use' : `cannot be listened on (${code})`;
  return `port ${use.port} ${why}: ${use.who} listens there (${use.variable}); stop what holds it, or set ${use.setting} to a free port`;
}

/** The one line for a second `mesh up` while a launcher already answers on the control port. */
export function anotherLauncherLine(pid: number, controlPort: number): string {
  return `another launcher (pid ${pid}) is already running a mesh, its control API on 127.0.0.1:${controlPort}: use it (\`npm run mesh -- status\`), stop it (Ctrl-C in its terminal), or give this one its own MESH_CONTROL_PORT, PORT and NATS_URL`;
}

/**
 * A launcher's pid if one answers GET /status on the control port (with the token it wrote to
 * `stateDir`); null otherwise.
 */
export async function launcherOn(controlPort: number, stateDir: string): Promise<number | null> {
  try {
    const r = await callControl<LauncherStatus>({ port: controlPort, stateDir }, 'GET', '/status', undefined, 1000);
    return !isError(r.body) && typeof r.body.pid === 'number' ? r.body.pid : null;
  } catch {
    return null;
  }
}

/** Every problem with the ports, one line each; empty when `mesh up` may go ahead. */
export async function checkPorts(uses: readonly PortUse[], stateDir: string): Promise<string[]> {
  const control = uses[0];
  const results = await Promise.all(uses.map(async (u) => [u, await portTaken(u.host, u.port)] as const));
  const taken = results.filter(([, code]) => code !== null);
  if (taken.some(([u]) => u === control)) {
    // The usual reason the control port is taken: this mesh is already up. Its ports are all
    // taken then, and the one line that helps is the one that says so.
    const pid = await launcherOn(control.port, stateDir);
    if (pid !== null) return [anotherLauncherLine(pid, control.port)];
  }
  return taken.map(([u, code]) => takenLine(u, code!));
}
