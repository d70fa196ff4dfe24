// The operator's verbs against a running mesh: status (NATS + launcher), scale, kill.
// Each resolves with the process exit code and writes its own output.
import { connect } from '@nats-io/transport-node';
import { discoverMesh, type MeshView } from '#mesh';
import { MeshServices } from '#contracts';
import { AppNames, type AppName } from './app-catalogue.js';
import { callControl, isError, LauncherDownError } from './control-client.js';
import type { ControlTarget } from './control-token.js';
import type { DrillSignal, KillResult, LauncherStatus, ScaleResult } from './control-types.js';
import type { OperatorConfig } from './mesh.config.js';
import { formatNatsLine, formatStatus, joinStatus, natsMismatchWarning, statusNats } from './status-view.js';

const out = (text: string) => process.stdout.write(text);
const fail = (text: string) => (process.stderr.write(`mesh: ${text}\n`), 1);
const target = (c: OperatorConfig, stateDir: string): ControlTarget => ({ port: c.MESH_CONTROL_PORT, stateDir });

export async function statusCommand(c: OperatorConfig, stateDir: string, json: boolean): Promise<number> {
  const [mesh, launcher] = await Promise.all([
    readMesh(c.NATS_URL),
    callControl<LauncherStatus>(target(c, stateDir), 'GET', '/status', undefined, 2000).then(
      (r) => (isError(r.body) ? null : r.body),
      () => null,
    ),
  ]);
  if (mesh === null && launcher === null)
    return fail(`no NATS answers at ${c.NATS_URL} and no launcher on 127.0.0.1:${c.MESH_CONTROL_PORT}`);
  const report = joinStatus(mesh ?? { services: [] }, launcher, Date.now());
  // Asked of another NATS than the launcher's, every service it runs looks down beside its live
  // pids: say which NATS this is, and warn when it is not the launcher's.
  const nats = statusNats(c.NATS_URL, launcher);
  const pid = launcher?.pid ?? null;
  out(
    json
      ? JSON.stringify({ ...report, nats }, null, 2) + '\n'
      : `${formatNatsLine(nats, pid)}\n${formatStatus(report)}`,
  );
  const warning = natsMismatchWarning(nats, pid);
  if (warning !== null) fail(warning);
  return mesh === null ? fail(`no NATS answers at ${c.NATS_URL}: live replicas unknown`) : 0;
}

async function readMesh(url: string): Promise<MeshView | null> {
  try {
    const nc = await connect({ servers: url.split(','), reconnect: false, timeout: 2000 });
    try {
      // Every service of the mesh is listed (down if silent), and any app the launcher knows.
      return await discoverMesh(nc, { known: [...new Set<string>([...MeshServices, ...AppNames])] });
    } finally {
      await nc.close();
    }
  } catch {
    return null;
  }
}

export async function scaleCommand(
  c: OperatorConfig,
  stateDir: string,
  targets: Array<{ app: AppName; replicas: number }>,
): Promise<number> {
  let code = 0;
  // A scale-down answers once its replicas have drained (bounded by the launcher's SIGKILL).
  const timeoutMs = c.DRAIN_TIMEOUT_MS + 15_000;
  for (const t of targets) {
    try {
      const r = await callControl<ScaleResult>(target(c, stateDir), 'POST', '/scale', t, timeoutMs);
      if (isError(r.body)) code = fail(`${t.app}: ${r.body.error}`);
      else out(describeScale(r.body));
    } catch (err) {
      if (err instanceof LauncherDownError) return fail(err.message);
      throw err;
    }
  }
  return code;
}

export function describeScale(r: ScaleResult): string {
  const parts: string[] = [];
  const started = r.started.map((s) => s.pid).filter((p) => p !== null);
  if (started.length > 0) parts.push(`started pid${started.length > 1 ? 's' : ''} ${started.join(', ')}`);
  if (r.drained.length > 0) {
    const slowest = Math.max(...r.drained.map((d) => d.ms));
    const killed = r.drained.filter((d) => d.signal === 'SIGKILL').map((d) => d.pid);
    parts.push(
      `drained pid${r.drained.length > 1 ? 's' : ''} ${r.drained.map((d) => d.pid).join(', ')} in ${(slowest / 1000).toFixed(1)} s`,
    );
    if (killed.length > 0) parts.push(`SIGKILLed after the drain bound: ${killed.join(', ')}`);
  }
  if (parts.length === 0) parts.push('no change');
  return `${r.app}: ${r.from} → ${r.to} (${parts.join('; ')})\n`;
}

export async function killCommand(
  c: OperatorConfig,
  stateDir: string,
  app: AppName,
  signal: DrillSignal,
  pid?: number,
): Promise<number> {
  try {
    const r = await callControl<KillResult>(target(c, stateDir), 'POST', '/kill', { app, signal, pid });
    if (isError(r.body)) return fail(`${app}: ${r.body.error}`);
    out(`${r.body.app}: sent SIG${r.body.signal} to pid ${r.body.pid} (replica ${r.body.index})\n`);
    return 0;
  } catch (err) {
    if (err instanceof LauncherDownError) return fail(err.message);
    throw err;
  }
}
