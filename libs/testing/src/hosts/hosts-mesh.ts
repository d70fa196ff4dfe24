// The topology of the multi-host drills (docs/drills.md, "many hosts"), on test hosts of one
// machine: h1–h3 each run a node of a 3-node NATS cluster (JetStream, everything provisioned with
// 3 replicas, routes on a network of their own) and one replica of every service asked for, each
// replica preferring its own host's node (NATS_SERVER_ORDER=listed, the local node first); edges
// run on h1 and h2; h4 runs PostgreSQL (a cluster of its own, at h4's address). The load and the
// test run in the root namespace, talking to the edges at their hosts' addresses. Apps are the
// built entry points, started by the same runner as `npm start`, inside their host's namespace.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MeshServices } from '#contracts';
import { provisionServiceRoles, roleDatabaseUrl, serviceRoleName } from '#persistence';
import { spawnApp, stopAllApps, type AppProcess } from '../app-process.js';
import { freshSchema } from '../database.js';
import { tempKeys } from '../keys.js';
import { startNatsCluster, type NatsClusterHandle } from '../nats-cluster.js';
import { provisionNats } from '../provision.js';
import { waitUntilJoined, waitUntilReady } from '../readiness.js';
import { startHostPostgres, type HostPostgres } from './host-postgres.js';
import { startTestHosts, type TestHosts } from './test-hosts.js';

/** The hosts that run a NATS node and replicas, the edges' hosts, the database's host. */
export const MESH_HOSTS = ['h1', 'h2', 'h3'] as const;
export const EDGE_HOSTS = ['h1', 'h2'] as const;
export const DATABASE_HOST = 'h4';

export interface HostedApp extends AppProcess {
  host: string;
}

export interface HostsMesh {
  hosts: TestHosts;
  cluster: NatsClusterHandle;
  postgres: HostPostgres;
  env: Record<string, string>;
  /** Per host, its replicas (one of each service). */
  replicas: Map<string, HostedApp[]>;
  /** The edges, by host, with their URLs at the host's address. */
  edges: Map<string, { process: HostedApp; url: string; adminUrl: string }>;
  /** Starts a replica of `app` on `host` again (a restart) and waits until it has joined. */
  addReplica: (host: string, app: string) => Promise<HostedApp>;
  /** A NATS connection of the test's, to every node. */
  connectNats: () => Promise<NatsConnection>;
  stop: () => Promise<void>;
}

export async function startHostsMesh(o: {
  services: string[];
  env?: Record<string, string>;
  /** Server-side ping settings of the NATS nodes (default the repository's). */
  ping?: { interval: string; max: number };
  joinTimeoutMs?: number;
}): Promise<HostsMesh> {
  const hosts = startTestHosts({
    hosts: [...MESH_HOSTS, DATABASE_HOST],
    networks: { lan: [...MESH_HOSTS, DATABASE_HOST], routes: [...MESH_HOSTS] },
  });
  let cluster: NatsClusterHandle | undefined;
  let postgres: HostPostgres | undefined;
  let nc: NatsConnection | undefined;
  const stop = async () => {
    await nc?.close().catch(() => undefined);
    await stopAllApps(8000);
    await cluster?.stop();
    postgres?.stop();
    await hosts.teardown();
  };
  try {
    cluster = await startNatsCluster({
      nodes: MESH_HOSTS.length,
      ping: o.ping,
      timeoutMs: 60_000,
      placement: (i) => {
        const h = hosts.host(MESH_HOSTS[i]);
        return {
          clientHost: h.address,
          routeHost: h.addresses.routes,
          spawn: (command, args) => {
            const child = hosts.spawn(h.name, command, args);
            child.stdout?.resume();
            return child;
          },
        };
      },
    });
    const servers = cluster.servers;
    await provisionNats({ servers, replicas: MESH_HOSTS.length });
    postgres = startHostPostgres(hosts, DATABASE_HOST);
    const keys = tempKeys();
    const schemas = MeshServices.map((s) => [s, freshSchema(s)] as const);
    const roles = schemas.map(([s, schema]) => ({ service: s, role: serviceRoleName(s), schema }));
    await provisionServiceRoles(postgres.adminUrl, roles);
    const env: Record<string, string> = {
      NATS_URL: cluster.url,
      DATABASE_URL: postgres.adminUrl,
      JWT_PRIVATE_KEY_FILE: keys.privateKeyFile,
      JWT_PUBLIC_KEY_FILE: keys.publicKeyFile,
      ...Object.fromEntries(schemas.map(([s, name]) => [`${s.toUpperCase()}_DB_SCHEMA`, name])),
      RATE_LIMITS: 'off',
      ...o.env,
    };
    /** A host's own node first, then the others in order: a replica stays on its host's node. */
    const natsOf = (host: string) => {
      const k = MESH_HOSTS.indexOf(host as (typeof MESH_HOSTS)[number]);
      return { NATS_URL: [...servers.slice(k), ...servers.slice(0, k)].join(','), NATS_SERVER_ORDER: 'listed' };
    };
    const databaseOf = (app: string): Record<string, string> => {
      const r = roles.find((x) => x.service === app);
      return r ? { DATABASE_URL: roleDatabaseUrl(postgres!.adminUrl, r.role) } : {};
    };
    // The test's own connection: h2's node first (no drill cuts h2 off), the others after.
    const connectNats = () =>
      connect({
        servers: [servers[1], servers[0], servers[2]],
        noRandomize: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
      });
    nc = await connectNats();
    const replicas = new Map<string, HostedApp[]>(MESH_HOSTS.map((h) => [h, []]));
    const spawnOn = (host: string, app: string, extra: Record<string, string>): HostedApp => {
      const p = spawnApp(app, { ...env, ...natsOf(host), ...extra }, { netns: hosts.host(host).netns });
      hosts.adopt(p.pid);
      return Object.assign(p, { host });
    };
    const addReplica = async (host: string, app: string) => {
      const p = spawnOn(host, app, databaseOf(app));
      replicas.get(host)!.push(p);
      await waitUntilJoined(nc!, p, o.joinTimeoutMs ?? 60_000);
      return p;
    };
    // h1's replicas first (each migrates its schema), then the others' at once.
    await Promise.all(o.services.map((app) => addReplica('h1', app)));
    await Promise.all(MESH_HOSTS.slice(1).flatMap((h) => o.services.map((app) => addReplica(h, app))));
    const edges = new Map<string, { process: HostedApp; url: string; adminUrl: string }>();
    await Promise.all(
      EDGE_HOSTS.map(async (host) => {
        const address = hosts.host(host).address;
        const p = spawnOn(host, 'edge', {
          PORT: '3000',
          HOST: address,
          ADMIN_PORT: '3001',
          ADMIN_HOST: address,
        });
        const url = `http://${address}:3000`;
        edges.set(host, { process: p, url, adminUrl: `http://${address}:3001` });
        await waitUntilReady(url, p, o.joinTimeoutMs ?? 60_000);
      }),
    );
    return { hosts, cluster, postgres, env, replicas, edges, addReplica, connectNats, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
