// A 3-node NATS cluster on loopback, for tests that kill a node (docs/drills.md: "one node of a 3-node
// NATS cluster killed"). Each node is a real nats-server process with its own client, route and
// monitoring port, its own JetStream store and server name (clustered JetStream requires one),
// and the same ping settings as startNatsServer. Every process is signalled by its pid only.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { type NatsCredential } from '#mesh';
import { freePort } from './free-port.js';
import { NATS_SERVER_PING, writeNatsConfig } from './nats-server.js';

export interface NatsNodeHandle {
  /** The node's server_name (`n1`, `n2`, …), as JetStream's cluster info names its peers. */
  name: string;
  url: string;
  port: number;
  /** Where the other nodes' routes connect. */
  clusterPort: number;
  /** The node's HTTP monitoring endpoint (/connz, /routez, /jsz, /healthz). */
  monitorUrl: string;
  /** The pid of the node's current process (a restart changes it). */
  readonly pid: number;
  running: () => boolean;
  /** The current process's exit. */
  exited: () => Promise<void>;
  /** The last 8000 characters the current process logged (nats-server logs to stderr). */
  log: () => string;
  /** Sends `signal` (default SIGKILL) to the node's pid; for one that ends it, waits for the exit. */
  kill: (signal?: NodeJS.Signals) => Promise<void>;
  /** SIGTERM by pid, SIGKILL after 5 s. The node's JetStream store is kept for a restart. */
  stop: () => Promise<void>;
  /** Starts the node again with the same name, ports and store; resolves once it has rejoined. */
  restart: () => Promise<void>;
}

export interface NatsClusterHandle {
  /** The nodes' client URLs, comma-separated: what NATS_URL takes. */
  url: string;
  servers: string[];
  nodes: NatsNodeHandle[];
  /**
   * Resolves once every running node routes to every other running node, JetStream has a meta
   * leader, and each running node's /healthz is ok (its streams are current; see monitorState).
   */
  waitUntilFormed: (timeoutMs?: number) => Promise<void>;
  stop: () => Promise<void>;
}

export const NATS_CLUSTER_NAME = 'failsoft-test';

interface MonitorState {
  routes: number;
  metaLeader: string;
  healthy: boolean;
}

async function monitorState(monitorUrl: string): Promise<MonitorState> {
  const get = async (path: string) => {
    const res = await fetch(`${monitorUrl}${path}`, { signal: AbortSignal.timeout(1000) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const [routez, jsz, healthz] = await Promise.all([get('/routez'), get('/jsz'), get('/healthz')]);
  return {
    routes: Number(routez.body.num_routes ?? 0),
    metaLeader: String(jsz.body.meta_cluster?.leader ?? ''),
    // A consumer replica that has carried no message since the node came back may be reported
    // "not current" by nats-server 2.9 for tens of seconds (seen with feed's idle consumers on a
    // restarted node); the streams' currency is what the drills check, each on its own.
    healthy:
      (healthz.status === 200 && healthz.body.status === 'ok') ||
      /^JetStream consumer .* is not current$/.test(String(healthz.body.error ?? '')),
  };
}

export async function startNatsCluster(
  o: {
    nodes?: number;
    ping?: { interval: string; max: number };
    /** Per-app users and permissions (libs/mesh nats-permissions), the same on every node. */
    auth?: { credentials: NatsCredential[]; mediaBucket: string };
    /** How long to wait for the cluster to form (default 30 s: a JetStream meta election takes ~5 s). */
    timeoutMs?: number;
    /**
     * Where the i-th node runs, when not on loopback (the multi-host drills: libs/testing/src/hosts):
     * the address its clients and monitor use, the address its routes use, and how to start a
     * process there (exec'd, so the pid is the node's). Such a node takes the standard ports.
     */
    placement?: (i: number) => {
      clientHost: string;
      routeHost: string;
      spawn: (command: string, args: string[]) => ChildProcess;
    };
  } = {},
): Promise<NatsClusterHandle> {
  const count = o.nodes ?? 3;
  const root = mkdtempSync(join(tmpdir(), 'failsoft-nats-cluster-'));
  const ping = o.ping ?? NATS_SERVER_PING;
  const operator = o.auth?.credentials.find((c) => c.user === 'operator');
  const probeUser = operator ? { user: operator.user, pass: operator.password } : {};

  const specs: Array<{
    name: string;
    port: number;
    clusterPort: number;
    monitorPort: number;
    dir: string;
    clientHost: string;
    routeHost: string;
    spawn?: (command: string, args: string[]) => ChildProcess;
  }> = [];
  for (let i = 1; i <= count; i++) {
    const dir = join(root, `n${i}`);
    mkdirSync(dir);
    const placed = o.placement?.(i - 1);
    specs.push({
      name: `n${i}`,
      port: placed ? 4222 : await freePort(),
      clusterPort: placed ? 6222 : await freePort(),
      monitorPort: placed ? 8222 : await freePort(),
      dir,
      clientHost: placed?.clientHost ?? '127.0.0.1',
      routeHost: placed?.routeHost ?? '127.0.0.1',
      spawn: placed?.spawn,
    });
  }

  const nodes: NatsNodeHandle[] = specs.map((spec) => {
    // A placed node's monitor listens on its client address (-m; nats-server's http host defaults to -a).
    const configFile = writeNatsConfig(spec.dir, {
      ping,
      monitorPort: spec.spawn ? undefined : spec.monitorPort,
      auth: o.auth,
    });
    const routes = specs
      .filter((s) => s !== spec)
      .map((s) => `nats://${s.routeHost}:${s.clusterPort}`)
      .join(',');
    const args = [
      '-c',
      configFile,
      ...(spec.spawn ? ['-m', String(spec.monitorPort)] : []),
      '-a',
      spec.clientHost,
      '-p',
      String(spec.port),
      '--server_name',
      spec.name,
      '-js',
      '-sd',
      spec.dir,
      '--cluster_name',
      NATS_CLUSTER_NAME,
      '--cluster',
      `nats://${spec.routeHost}:${spec.clusterPort}`,
      '--routes',
      routes,
    ];
    let child: ChildProcess;
    let exited: Promise<void>;
    let stderr = '';
    const spawnNode = () => {
      const bin = process.env.NATS_SERVER_BIN ?? 'nats-server';
      child = spec.spawn ? spec.spawn(bin, args) : spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-8000);
      });
      const c = child;
      exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    };
    spawnNode();
    const running = () => child.exitCode === null && child.signalCode === null;
    const node: NatsNodeHandle = {
      name: spec.name,
      url: `nats://${spec.clientHost}:${spec.port}`,
      port: spec.port,
      clusterPort: spec.clusterPort,
      monitorUrl: `http://${spec.clientHost}:${spec.monitorPort}`,
      get pid() {
        return child.pid!;
      },
      running,
      exited: () => exited,
      log: () => stderr,
      kill: async (signal = 'SIGKILL') => {
        if (!running()) return;
        process.kill(child.pid!, signal);
        if (['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT'].includes(signal)) await exited;
      },
      stop: async () => {
        if (!running()) return;
        process.kill(child.pid!, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (running()) process.kill(child.pid!, 'SIGKILL');
        await exited;
      },
      restart: async () => {
        if (running()) throw new Error(`nats node ${spec.name} (pid ${child.pid}) is still running`);
        spawnNode();
        await cluster.waitUntilFormed(o.timeoutMs);
      },
    };
    return node;
  });

  const servers = nodes.map((n) => n.url);
  const cluster: NatsClusterHandle = {
    url: servers.join(','),
    servers,
    nodes,
    waitUntilFormed: async (timeoutMs = o.timeoutMs ?? 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const up = nodes.filter((n) => n.running());
        if (up.length === 0) throw new Error(`every nats node exited; ${nodes[0].name} logged:\n${nodes[0].log()}`);
        const states = await Promise.all(up.map((n) => monitorState(n.monitorUrl).catch(() => null)));
        const last = up.map((n, i) => `${n.name}: ${JSON.stringify(states[i])}`).join(', ');
        const formed = states.every((s) => s !== null && s.routes >= up.length - 1 && s.metaLeader !== '' && s.healthy);
        if (formed) {
          // And a client asking JetStream itself gets an answer (the meta leader serves it).
          const ok = await (async () => {
            const nc = await connect({ servers: up.map((n) => n.url), reconnect: false, timeout: 1000, ...probeUser });
            try {
              await (await jetstreamManager(nc, { timeout: 2000 })).getAccountInfo();
              return true;
            } finally {
              await nc.close();
            }
          })().catch(() => false);
          if (ok) return;
        }
        if (Date.now() > deadline) {
          throw new Error(
            `the nats cluster did not form within ${timeoutMs} ms (${last})\n` +
              up.map((n) => `--- ${n.name} (pid ${n.pid}):\n${n.log().slice(-2000)}`).join('\n'),
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };

  try {
    await cluster.waitUntilFormed();
    const down = nodes.find((n) => !n.running());
    if (down) throw new Error(`nats node ${down.name} exited at start:\n${down.log()}`);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
