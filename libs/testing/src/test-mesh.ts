// A whole mesh for one end-to-end test file: a private nats-server (or a private 3-node cluster),
// fresh schemas, token keys, and the built apps as processes. Each service connects to PostgreSQL
// as its own role owning only its schema (`failsoft_<service>`), made by the function the
// launcher uses (provisionServiceRoles); `env.DATABASE_URL` stays the administrator's, for the
// test's own queries. The JetStream layout is made first, as the launcher makes it (provisionNats).
import { MeshServices } from '#contracts';
import { dropSchemas, freshSchema, TEST_DATABASE_URL } from './database.js';
import { freePort } from './free-port.js';
import { tempKeys } from './keys.js';
import { startNatsServer, type NatsServerHandle } from './nats-server.js';
import { startNatsCluster, type NatsClusterHandle } from './nats-cluster.js';
import { provisionNats } from './provision.js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { generateCredentials, inboxPrefixFor } from '#mesh';
import { provisionServiceRoles, roleDatabaseUrl, serviceRoleName } from '#persistence';
import { spawnApp, stopApps, type AppProcess } from './app-process.js';
import { waitUntilJoined, waitUntilReady } from './readiness.js';

export interface TestMesh {
  /** The private nats-server; on a cluster, its first node (the whole is `cluster`). */
  nats: NatsServerHandle;
  /** The private NATS cluster, when started with `cluster`. */
  cluster?: NatsClusterHandle;
  env: Record<string, string>;
  edgeUrl: string;
  /** The first edge's admin listener (GET /mesh, GET /metrics, the board); addEdge gives each its own. */
  adminUrl: string;
  edges: AppProcess[];
  replicas: Map<string, AppProcess[]>;
  /** Starts one more replica of a service and waits until it has joined. */
  addReplica: (app: string, extraEnv?: Record<string, string>) => Promise<AppProcess>;
  /** Starts one more edge (with `extraEnv` on top of the mesh's) and waits until it is ready. */
  addEdge: (extraEnv?: Record<string, string>) => Promise<{ process: AppProcess; url: string; adminUrl: string }>;
  /** A new NATS connection for the test (as the operator user when the mesh runs with `auth`). */
  connectNats: () => Promise<NatsConnection>;
  /** What the `mesh` CLI's operator commands need to reach this mesh (NATS_URL, and the operator's user). */
  operatorEnv: Record<string, string>;
  /** Ends the processes this mesh started (and no other), its NATS, and drops its schemas. */
  stop: () => Promise<void>;
}

export async function startTestMesh(o: {
  replicas: Record<string, number>;
  env?: Record<string, string>;
  /** Options of the private nats-server (e.g. `monitor: true` for its /connz). */
  nats?: Parameters<typeof startNatsServer>[0];
  /** Run NATS with per-app users and least-privilege permissions (mesh nats-auth). */
  auth?: boolean;
  /**
   * Run on a private NATS cluster of this many nodes instead (`nats` is then ignored): every app
   * gets all the nodes' URLs, and the event streams and the media bucket as many replicas.
   */
  cluster?: number;
  /**
   * Keep the edges' rate limits on (RATE_LIMITS=on). Off by default: most tests write far more
   * than a user's budget allows; the tests of the limits turn them on.
   */
  rateLimits?: boolean;
  /** How long each replica may take to join (default 20 s; a busy machine starts six Nodes slower). */
  joinTimeoutMs?: number;
}): Promise<TestMesh> {
  const credentials = o.auth ? generateCredentials() : [];
  const natsAuth = o.auth ? { auth: { credentials, mediaBucket: 'media' } } : {};
  const cluster = o.cluster ? await startNatsCluster({ nodes: o.cluster, ...natsAuth }) : undefined;
  const nats: NatsServerHandle = cluster
    ? cluster.nodes[0]
    : await startNatsServer({
        ...o.nats,
        ...natsAuth,
      });
  const stopNats = () => (cluster ? cluster.stop() : nats.stop());
  // A single server provisioned itself (startNatsServer); a cluster's layout has its replicas.
  if (cluster) {
    await provisionNats({ servers: cluster.servers, credentials, replicas: o.cluster }).catch(async (err: unknown) => {
      await stopNats();
      throw err;
    });
  }
  /** An app's NATS user and password, when the mesh runs with permissions. */
  const natsUserOf = (app: string): Record<string, string> => {
    const c = credentials.find((x) => x.user === app);
    return c ? { NATS_USER: c.user, NATS_PASSWORD: c.password } : {};
  };
  const keys = tempKeys();
  const schemas = MeshServices.map((s) => [s, freshSchema(s)] as const);
  const env: Record<string, string> = {
    NATS_URL: cluster?.url ?? nats.url,
    DATABASE_URL: TEST_DATABASE_URL,
    JWT_PRIVATE_KEY_FILE: keys.privateKeyFile,
    JWT_PUBLIC_KEY_FILE: keys.publicKeyFile,
    ...Object.fromEntries(schemas.map(([s, name]) => [`${s.toUpperCase()}_DB_SCHEMA`, name])),
    RATE_LIMITS: o.rateLimits ? 'on' : 'off',
    ...o.env,
  };
  const roles = schemas.map(([s, schema]) => ({ service: s, role: serviceRoleName(s), schema }));
  await provisionServiceRoles(env.DATABASE_URL, roles).catch(async (err: unknown) => {
    await stopNats();
    throw err;
  });
  /** An app's own database URL: DATABASE_URL's server and database, as the app's role. */
  const databaseOf = (app: string): Record<string, string> => {
    const r = roles.find((x) => x.service === app);
    return r ? { DATABASE_URL: roleDatabaseUrl(env.DATABASE_URL, r.role) } : {};
  };
  const operator = credentials.find((c) => c.user === 'operator');
  const connectNats = () =>
    connect({
      servers: cluster?.servers ?? nats.url,
      // On a cluster, the connection outlives a killed node: the readiness checks go on.
      ...(cluster ? { maxReconnectAttempts: -1, reconnectTimeWait: 250 } : {}),
      ...(operator ? { user: operator.user, pass: operator.password, inboxPrefix: inboxPrefixFor('operator') } : {}),
    });
  const nc: NatsConnection = await connectNats();
  const replicas = new Map<string, AppProcess[]>();
  /**
   * Every process this mesh started, whatever a test does with `replicas` and `edges` since:
   * stop() ends these and no other, so two meshes can run side by side in one process.
   */
  const own: AppProcess[] = [];
  /**
   * On a cluster, the i-th replica of a service (and the i-th edge) tries the nodes from the
   * i-th on, in that order (NATS_SERVER_ORDER=listed): a service's replicas sit on different
   * nodes, as docs/operations.md advises, so losing one node never leaves a service with none.
   */
  const natsOf = (i: number): Record<string, string> => {
    if (!cluster) return {};
    const servers = cluster.servers;
    const k = i % servers.length;
    return { NATS_URL: [...servers.slice(k), ...servers.slice(0, k)].join(','), NATS_SERVER_ORDER: 'listed' };
  };
  const addReplica = async (app: string, extraEnv: Record<string, string> = {}) => {
    const p = spawnApp(app, {
      ...env,
      ...natsOf(replicas.get(app)?.length ?? 0),
      ...natsUserOf(app),
      ...databaseOf(app),
      ...extraEnv,
    });
    own.push(p);
    replicas.set(app, [...(replicas.get(app) ?? []), p]);
    await waitUntilJoined(nc, p, o.joinTimeoutMs);
    return p;
  };
  const edges: AppProcess[] = [];
  const addEdge = async (extraEnv: Record<string, string> = {}) => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const p = spawnApp('edge', {
      ...env,
      ...natsOf(edges.length),
      ...natsUserOf('edge'),
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_PORT: String(adminPort),
      ADMIN_HOST: '127.0.0.1',
      ...extraEnv,
    });
    own.push(p);
    edges.push(p);
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(url, p, o.joinTimeoutMs);
    return { process: p, url, adminUrl: `http://127.0.0.1:${adminPort}` };
  };
  try {
    // Replicas of one service start one after another: the first migrates its schema.
    await Promise.all(
      Object.entries(o.replicas).map(async ([app, n]) => {
        for (let i = 0; i < n; i++) await addReplica(app);
      }),
    );
    const first = await addEdge();
    return {
      nats,
      cluster,
      env,
      edgeUrl: first.url,
      adminUrl: first.adminUrl,
      edges,
      replicas,
      addReplica,
      addEdge,
      connectNats,
      operatorEnv: {
        NATS_URL: env.NATS_URL,
        ...(operator ? { NATS_USER: operator.user, NATS_PASSWORD: operator.password } : {}),
      },
      stop: async () => {
        await nc.close();
        await stopApps(own);
        await stopNats();
        await dropSchemas(...schemas.map(([, name]) => name));
      },
    };
  } catch (err) {
    await nc.close();
    await stopApps(own);
    await stopNats();
    await dropSchemas(...schemas.map(([, name]) => name));
    throw err;
  }
}
