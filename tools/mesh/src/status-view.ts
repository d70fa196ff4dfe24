// `mesh status`: what NATS's service API says is alive, joined by pid with what the launcher
// knows (desired count, restarts, crash loops, frozen or still-starting replicas that cannot
// answer $SRV, and HTTP apps such as the edge, which are not NATS services). Pure.
// A replica in $SRV that does not serve yet is listed with its own words as its state
// ("database 127.0.0.1:5999/failsoft unreachable: ECONNREFUSED 127.0.0.1:5999"), and a service down for that reason
// says it on its line: the launcher's "starting" alone explains nothing.
import { type MeshView } from '#mesh';
import { appEntry, isAppName } from './app-catalogue.js';
import type { LauncherStatus } from './control-types.js';

export interface StatusReplica {
  id: string | null;
  pid: number | null;
  host: string | null;
  startedAt: string | null;
  uptimeMs: number | null;
  requests: number | null;
  errors: number | null;
  averageLatencyMs: number | null;
  /** From the launcher; null when it does not run this replica (or is not running). */
  index: number | null;
  /** The launcher's state (running, starting, frozen…), or why a replica in $SRV does not serve yet. */
  state: string | null;
  restarts: number | null;
}

export interface StatusService {
  name: string;
  status: 'up' | 'down';
  /** Replicas serving: answering $SRV, or (an HTTP app, which is not in $SRV) running per the launcher. */
  live: number;
  /** Replicas in $SRV that do not serve yet (see `reason`). */
  waiting: number;
  /** Why the service is down, as its waiting replicas say; null when up or nobody said. */
  reason: string | null;
  desired: number | null;
  crashed: number;
  replicas: StatusReplica[];
}

export interface StatusReport {
  launcher: 'running' | 'not running';
  services: StatusService[];
}

export function joinStatus(mesh: MeshView, launcher: LauncherStatus | null, now: number): StatusReport {
  const names = [...new Set([...mesh.services.map((s) => s.name), ...(launcher?.apps.map((a) => a.app) ?? [])])];
  const services = names.map((name): StatusService => {
    const seen = mesh.services.find((s) => s.name === name);
    const live = seen?.replicas ?? [];
    const waiting = seen?.waiting ?? [];
    const managed = launcher?.apps.find((a) => a.app === name);
    const byPid = new Map((managed?.replicas ?? []).filter((r) => r.pid !== null).map((r) => [r.pid!, r]));
    const replicas: StatusReplica[] = live.map((r) => {
      const m = r.pid === null ? undefined : byPid.get(r.pid);
      if (r.pid !== null) byPid.delete(r.pid);
      return {
        id: r.id,
        pid: r.pid,
        host: r.host,
        startedAt: r.startedAt,
        uptimeMs: uptime(r.startedAt, now),
        requests: r.requests,
        errors: r.errors,
        averageLatencyMs: r.averageLatencyMs,
        index: m?.index ?? null,
        state: m ? stateOf(m) : null,
        restarts: m?.restarts ?? null,
      };
    });
    for (const w of waiting) {
      const m = w.pid === null ? undefined : byPid.get(w.pid);
      if (w.pid !== null) byPid.delete(w.pid);
      replicas.push({
        id: w.id,
        pid: w.pid,
        host: w.host,
        startedAt: w.startedAt,
        uptimeMs: uptime(w.startedAt, now),
        requests: null,
        errors: null,
        averageLatencyMs: null,
        index: m?.index ?? null,
        state: m?.frozen ? 'frozen' : w.state,
        restarts: m?.restarts ?? null,
      });
    }
    // Replicas the launcher runs that did not answer $SRV: starting, frozen, draining, crashed.
    for (const m of managed?.replicas ?? []) {
      if (m.pid !== null && !byPid.has(m.pid)) continue;
      replicas.push({
        id: null,
        pid: m.pid,
        host: null,
        startedAt: m.startedAt,
        uptimeMs: m.startedAt && m.pid !== null ? uptime(m.startedAt, now) : null,
        requests: null,
        errors: null,
        averageLatencyMs: null,
        index: m.index,
        state: stateOf(m),
        restarts: m.restarts,
      });
    }
    const viaHttp = isAppName(name) && appEntry(name).http !== undefined;
    const serving = viaHttp
      ? (managed?.replicas ?? []).filter((r) => r.state === 'running' && !r.frozen).length
      : live.length;
    return {
      name,
      status: serving > 0 ? 'up' : 'down',
      live: serving,
      waiting: waiting.length,
      reason: serving > 0 ? null : (seen?.reason ?? null),
      desired: managed?.desired ?? null,
      crashed: managed?.replicas.filter((r) => r.state === 'crashed').length ?? 0,
      replicas,
    };
  });
  return { launcher: launcher ? 'running' : 'not running', services };
}

function stateOf(r: { state: string; frozen: boolean }): string {
  return r.frozen ? 'frozen' : r.state;
}

function uptime(startedAt: string, now: number): number | null {
  const t = Date.parse(startedAt);
  return Number.isNaN(t) ? null : Math.max(0, now - t);
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor(s / 3600) % 24).padStart(2, '0')}h`;
}

const Header = ['ID', 'PID', 'HOST', 'UPTIME', 'REQUESTS', 'ERRORS', 'MEAN MS', 'STATE', 'RESTARTS'];
const RightAligned = new Set([1, 3, 4, 5, 6, 8]);

export function formatStatus(report: StatusReport): string {
  const dash = (v: string | number | null) => (v === null ? '-' : String(v));
  const rows = report.services.flatMap((s) =>
    s.replicas.map((r) => [
      dash(r.id),
      dash(r.pid),
      dash(r.host),
      r.uptimeMs === null ? '-' : formatDuration(r.uptimeMs),
      dash(r.requests),
      dash(r.errors),
      r.averageLatencyMs === null ? '-' : r.averageLatencyMs.toFixed(2),
      dash(r.state),
      dash(r.restarts),
    ]),
  );
  // One set of column widths for every service, so the blocks line up.
  const widths = Header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    '  ' +
    cells
      .map((v, c) => (RightAligned.has(c) ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  let next = 0;
  for (const s of report.services) {
    const facts = [`${s.live} live`];
    if (s.waiting > 0) facts.push(`${s.waiting} waiting`);
    if (s.desired !== null) facts.push(`desired ${s.desired}`);
    if (s.crashed > 0) facts.push(`${s.crashed} crashed`);
    out.push(`${s.name}  ${s.status.toUpperCase()}  (${facts.join(', ')})${s.reason ? `: ${s.reason}` : ''}`);
    if (s.replicas.length > 0) out.push(line(Header));
    out.push(...rows.slice(next, next + s.replicas.length).map(line));
    next += s.replicas.length;
  }
  if (report.launcher === 'not running')
    out.push('(launcher not running: desired counts, restarts and crash loops unknown)');
  return out.join('\n') + '\n';
}

/** What `mesh status` looked at: the NATS it asked, and the one the launcher runs its replicas on. */
export interface StatusNats {
  queried: string;
  /** null when no launcher answered. */
  launcher: string | null;
  /** Whether the two name a server in common; null when no launcher answered. */
  same: boolean | null;
}

export function statusNats(queried: string, launcher: LauncherStatus | null): StatusNats {
  const theirs = launcher?.nats.url ?? null;
  return { queried, launcher: theirs, same: theirs === null ? null : sameNats(queried, theirs) };
}

/**
 * Whether two NATS_URL values (each a comma-separated server list) share a server: scheme and
 * default port filled in, and every loopback spelling (localhost, 127.x, ::1) taken as one.
 */
export function sameNats(a: string, b: string): boolean {
  const servers = (url: string) =>
    url
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        try {
          const u = new URL(s.includes('://') ? s : `nats://${s}`);
          const host = u.hostname.replace(/^\[|\]$/g, '');
          const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
          return `${loopback ? 'loopback' : host.toLowerCase()}:${u.port || '4222'}`;
        } catch {
          return s;
        }
      });
  const theirs = new Set(servers(b));
  return servers(a).some((s) => theirs.has(s));
}

/** The first line of `mesh status`: which NATS these services and replicas come from. */
export function formatNatsLine(n: StatusNats, launcherPid: number | null): string {
  if (n.launcher === null) return `NATS ${n.queried}`;
  if (n.same) return `NATS ${n.queried} (the launcher's)`;
  return `NATS ${n.queried} (the launcher, pid ${launcherPid}, uses ${n.launcher})`;
}

/** A warning when the services shown come from another NATS than the launcher's replicas use. */
export function natsMismatchWarning(n: StatusNats, launcherPid: number | null): string | null {
  if (n.launcher === null || n.same) return null;
  return `warning: this status asked NATS at ${n.queried} (NATS_URL), but the launcher (pid ${launcherPid}) runs its replicas on ${n.launcher}, so they show as down here: run it with NATS_URL=${n.launcher}`;
}
