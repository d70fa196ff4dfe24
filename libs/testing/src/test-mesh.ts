// A whole mesh for one end-to-end test file: a private nats-server, fresh schemas, token keys,
// and the built apps as processes.
import { dropSchemas, freshSchema, TEST_DATABASE_URL } from './database.js';
import { freePort } from './free-port.js';
import { tempKeys } from './keys.js';
import { startNatsServer, type NatsServerHandle } from './nats-server.js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { generateCredentials, inboxPrefixFor } from '#mesh';
import { spawnApp, stopAllApps, type AppProcess } from './app-process.js';
import { waitUntilJoined, waitUntilReady } from './readiness.js';

export interface TestMesh {
  nats: NatsServerHandle;
  env: Record<string, string>;
  edgeUrl: string;
  edges: AppProcess[];
  replicas: Map<string, AppProcess[]>;
  /** Starts one more replica of a service and waits until it has joined. */
  addReplica: (app: string, extraEnv?: Record<string, string>) => Promise<AppProcess>;
  addEdge: () => Promise<{ process: AppProcess; url: string }>;
  stop: () => Promise<void>;
}

export async function startTestMesh(o: {
  replicas: Record<string, number>;
  env?: Record<string, string>;
  /** Options of the private nats-server (e.g. `monitor: true` for its /connz). */
  nats?: Parameters<typeof startNatsServer>[0];
  /** Run NATS with per-app users and least-privilege permissions (mesh nats-auth). */
  auth?: boolean;
}): Promise<TestMesh> {
  const credentials = o.auth ? generateCredentials() : [];
  const nats = await startNatsServer({
    ...o.nats,
    ...(o.auth ? { auth: { credentials, mediaBucket: 'media' } } : {}),
  });
  /** An app's NATS user and password, when the mesh runs with permissions. */
  const natsUserOf = (app: string): Record<string, string> => {
    const c = credentials.find((x) => x.user === app);
    return c ? { NATS_USER: c.user, NATS_PASSWORD: c.password } : {};
  };
  const keys = tempKeys();
  const schemas = ['identity', 'posts', 'comments', 'likes', 'media', 'messaging'].map(
    (s) => [s, freshSchema(s)] as const,
  );
  const env: Record<string, string> = {
    NATS_URL: nats.url,
    DATABASE_URL: TEST_DATABASE_URL,
    JWT_PRIVATE_KEY_FILE: keys.privateKeyFile,
    JWT_PUBLIC_KEY_FILE: keys.publicKeyFile,
    ...Object.fromEntries(schemas.map(([s, name]) => [`${s.toUpperCase()}_DB_SCHEMA`, name])),
    ...o.env,
  };
  const operator = credentials.find((c) => c.user === 'operator');
  const nc: NatsConnection = await connect({
    servers: nats.url,
    ...(operator ? { user: operator.user, pass: operator.password, inboxPrefix: inboxPrefixFor('operator') } : {}),
  });
  const replicas = new Map<string, AppProcess[]>();
  const addReplica = async (app: string, extraEnv: Record<string, string> = {}) => {
    const p = spawnApp(app, { ...env, ...natsUserOf(app), ...extraEnv });
    replicas.set(app, [...(replicas.get(app) ?? []), p]);
    await waitUntilJoined(nc, p);
    return p;
  };
  const edges: AppProcess[] = [];
  const addEdge = async () => {
    const port = await freePort();
    const p = spawnApp('edge', { ...env, ...natsUserOf('edge'), PORT: String(port), HOST: '127.0.0.1' });
    edges.push(p);
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(url, p);
    return { process: p, url };
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
      env,
      edgeUrl: first.url,
      edges,
      replicas,
      addReplica,
      addEdge,
      stop: async () => {
        await nc.close();
        await stopAllApps();
        await nats.stop();
        await dropSchemas(...schemas.map(([, name]) => name));
      },
    };
  } catch (err) {
    await nc.close();
    await stopAllApps();
    await nats.stop();
    await dropSchemas(...schemas.map(([, name]) => name));
    throw err;
  }
}
