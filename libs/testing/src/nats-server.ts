// A private nats-server per test file: real NATS, but nobody else's replicas on its subjects
// (a developer's running mesh, or another test file's), so tests cannot steal each other's work.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { authorizationConfig, type NatsCredential } from '#mesh';
import { freePort } from './free-port.js';
import { provisionNats } from './provision.js';

export interface NatsServerHandle {
  url: string;
  port: number;
  pid: number;
  /** The HTTP monitoring endpoint (`/connz`, `/varz`), when started with `monitor: true`. */
  monitorUrl?: string;
  stop: () => Promise<void>;
}

/**
 * The server's pings to its clients, as the repository's nats-server.conf sets them: a client
 * that leaves `max` pings in a row unanswered is dropped after about interval × (max + 1)
 * instead of nats-server's default 2 min × 2 — if the server pings it at all, which it does
 * not while it is delivering messages to it (a frozen replica still sent requests). Only a
 * config file sets them; nats-server has no flag for either.
 */
export const NATS_SERVER_PING = { interval: '5s', max: 2 };

/**
 * Writes `nats-server.conf` into `dir` (the server's own temporary directory): the ping settings,
 * the monitoring port, the per-app users. Shared by a single server and a cluster's nodes.
 */
export function writeNatsConfig(
  dir: string,
  o: {
    ping: { interval: string; max: number };
    monitorPort?: number;
    auth?: { credentials: NatsCredential[]; mediaBucket: string };
    /** The largest message the server takes (default nats-server's 1 MiB); only a config file sets it. */
    maxPayload?: number;
  },
): string {
  const configFile = join(dir, 'nats-server.conf');
  writeFileSync(
    configFile,
    [
      `ping_interval: "${o.ping.interval}"`,
      `ping_max: ${o.ping.max}`,
      ...(o.monitorPort !== undefined ? [`http: "127.0.0.1:${o.monitorPort}"`] : []),
      ...(o.maxPayload !== undefined ? [`max_payload: ${o.maxPayload}`] : []),
      ...(o.auth ? [authorizationConfig(o.auth.credentials, { mediaBucket: o.auth.mediaBucket })] : []),
    ].join('\n') + '\n',
  );
  return configFile;
}

export async function startNatsServer(
  o: {
    jetstream?: boolean;
    args?: string[];
    /** Reuse a port (a restart); default a free one. */
    port?: number;
    ping?: { interval: string; max: number };
    /** Also serve the HTTP monitoring endpoint (/connz, /varz) on a free port. */
    monitor?: boolean;
    /** Per-app users and permissions (libs/mesh nats-permissions), as `mesh nats-auth` makes them. */
    auth?: { credentials: NatsCredential[]; mediaBucket: string };
    /** A smaller max_payload than nats-server's 1 MiB (what a reply too large for it does). */
    maxPayload?: number;
    /**
     * Make the JetStream layout (streams, consumers, buckets) once it is up, as the launcher's
     * provisioner does: apps only bind to it. Default true with JetStream; false for a test of the
     * provisioning itself.
     */
    provision?: boolean;
  } = {},
): Promise<NatsServerHandle> {
  const port = o.port ?? (await freePort());
  const storeDir = mkdtempSync(join(tmpdir(), 'failsoft-nats-'));
  const ping = o.ping ?? NATS_SERVER_PING;
  const monitorPort = o.monitor ? await freePort() : undefined;
  const configFile = writeNatsConfig(storeDir, { ping, monitorPort, auth: o.auth, maxPayload: o.maxPayload });
  const args = [
    '-c',
    configFile,
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    ...(o.jetstream !== false ? ['-js', '-sd', storeDir] : []),
    ...(o.args ?? []),
  ];
  const child = spawn(process.env.NATS_SERVER_BIN ?? 'nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `nats://127.0.0.1:${port}`;
  const operator = o.auth?.credentials.find((c) => c.user === 'operator');
  const probeUser = operator ? { user: operator.user, pass: operator.password } : {};
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 500, ...probeUser });
      await nc.close();
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`nats-server did not start on ${port}\n${stderr}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (o.jetstream !== false && o.provision !== false) {
    await provisionNats({ servers: url, credentials: o.auth?.credentials, mediaBucket: o.auth?.mediaBucket }).catch(
      (err: unknown) => {
        child.kill('SIGKILL');
        throw err;
      },
    );
  }
  return {
    url,
    port,
    pid: child.pid!,
    monitorUrl: monitorPort !== undefined ? `http://127.0.0.1:${monitorPort}` : undefined,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
