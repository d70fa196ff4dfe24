// `mesh up`: its ports checked, NATS (found or started), the JetStream layout (provisioned), token keys, the replicas under
// supervision, the control API, and one line once every replica serves; on SIGINT/SIGTERM
// everything stops in order (replicas drain, then NATS) and nothing is left behind. `mesh dev`
// adds the rebuild loop (dev-reload.ts). Resolves with the process exit code.
// "Up" is said (announceWhenReady, once) only when every replica asked for serves: not when they
// are spawned, and not while some wait in $SRV for a database they cannot reach — that is said
// instead, one line per reason (WaitingReport), on stderr whatever LOG_LEVEL.
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connectNats } from '#mesh';
import { createLogger, ensureDevKeys, resolveLogFormat, type LogFormat } from '#runtime';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { appMainFile } from '#service';
import { replicaEnv, type AppName } from './app-catalogue.js';
import { startControlApi } from './control-api.js';
import {
  meshStateDir,
  newControlToken,
  removeControlToken,
  writeControlToken,
  type ControlTarget,
} from './control-token.js';
import { DatabaseRoles, DatabaseRolesError, serviceDatabases, withServiceDatabase } from './db-roles.js';
import { DevReloader, startTscWatch } from './dev-reload.js';
import type { LauncherConfig } from './mesh.config.js';
import {
  findExecutable,
  loopbackPort,
  natsAnswers,
  NatsUnavailableError,
  startOwnNats,
  type OwnedNats,
} from './nats-bootstrap.js';
import { checkPorts, portsToCheck, portTaken } from './port-check.js';
import { probeStarting } from './readiness-probe.js';
import { ProvisionError, runProvision } from './provision-command.js';
import { readyFacts, readyLine } from './ready-line.js';
import { ReplicaSupervisor } from './replica-supervisor.js';
import { WaitingReport } from './waiting-report.js';

/** A startup failure the operator can fix: printed as one line, exit 1. */
class StartupError extends Error {}

export interface LauncherMode {
  /** `mesh dev`: rebuild on change and restart the replicas whose built code changed. */
  dev?: boolean;
}

export async function runLauncher(c: LauncherConfig, repoRoot: string, mode: LauncherMode = {}): Promise<number> {
  // Chosen once here and handed to every replica: they write to this stdout but are not asked
  // whether it is a terminal (and must not each guess differently).
  const format: LogFormat = resolveLogFormat(c.LOG_FORMAT);
  const logger = createLogger({ service: 'launcher', level: c.LOG_LEVEL, format });
  const startedAt = Date.now();
  // Signals are caught from the first moment: one that arrives while NATS or the replicas
  // are still starting is acted on as soon as the launcher can stop them in order.
  let pendingSignal: string | undefined;
  let onSignal: (signal: string) => void = (signal) => void (pendingSignal ??= signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => onSignal(signal));

  let owned: OwnedNats | null = null;
  let nc: NatsConnection | undefined;
  let control: Server | undefined;
  const controlTarget: ControlTarget = { port: c.MESH_CONTROL_PORT, stateDir: meshStateDir(repoRoot) };
  let controlToken: string | undefined;
  const forgetToken = () => controlToken && removeControlToken(controlTarget, controlToken);
  const scriptOf = (app: AppName) => c.overrides.get(app) ?? appMainFile(repoRoot, app);
  const env: NodeJS.ProcessEnv = { ...c.childEnv, NATS_URL: c.NATS_URL, LOG_FORMAT: format };
  let databases: ReturnType<typeof serviceDatabases> = new Map();
  let dbRoles: DatabaseRoles | undefined;
  const supervisor = new ReplicaSupervisor({
    logger,
    drainTimeoutMs: c.DRAIN_TIMEOUT_MS,
    cwd: repoRoot,
    spawnSpec: (app: AppName, index: number) => ({
      script: scriptOf(app),
      env: withServiceDatabase(app, replicaEnv(app, index, env, c.PORT, c.ADMIN_PORT), databases),
    }),
  });
  try {
    // Every port it will listen on must be free before anything starts (NATS's is checked
    // where the launcher would start its own nats-server).
    const taken = await checkPorts(
      portsToCheck({
        controlPort: c.MESH_CONTROL_PORT,
        httpHost: c.HOST,
        basePort: c.PORT,
        adminHost: c.ADMIN_HOST,
        adminBasePort: c.ADMIN_PORT,
        replicas: c.replicas,
      }),
      controlTarget.stateDir,
    );
    if (taken.length > 0) throw new StartupError(taken.join('\nmesh: '));
    // Every app that should run must be built before anything starts.
    const missing = [...c.replicas].filter(([app, n]) => n > 0 && !existsSync(scriptOf(app))).map(([app]) => app);
    if (missing.length > 0) {
      const files = missing.map((a) => relative(repoRoot, scriptOf(a))).join(', ');
      throw new StartupError(
        `${files} missing: run \`npm run build\` (or leave ${missing.join(', ')} out of MESH_APPS)`,
      );
    }
    owned = await ensureNats(c, repoRoot, logger);
    // The JetStream layout, made as the provisioner before any replica: they may only bind to it.
    await runProvision({ ...c.provision, NATS_URL: c.NATS_URL }, logger);
    // Each service's own PostgreSQL role (db-roles.ts), made before its replicas start.
    databases = serviceDatabases(c);
    const roles = [...databases.values()].flatMap((d) => (d.role ? [d.role] : []));
    dbRoles = new DatabaseRoles(c.DATABASE_URL, roles, logger);
    await dbRoles.start();
    if (!c.hasTokenKeys) {
      const keys = ensureDevKeys(join(repoRoot, '.mesh', 'keys'));
      Object.assign(env, { JWT_PRIVATE_KEY_FILE: keys.privateKeyFile, JWT_PUBLIC_KEY_FILE: keys.publicKeyFile });
    }
    for (const [app, script] of c.overrides)
      logger.warn({ app, script }, 'TEST ONLY: MESH_APP_OVERRIDE runs a script instead of the app');
    nc = await connectNats({ url: c.NATS_URL, name: 'launcher' });
    const nats = { url: c.NATS_URL, startedHere: owned !== null, pid: owned?.pid ?? null };
    const token = newControlToken();
    control = await startControlApi({
      port: c.MESH_CONTROL_PORT,
      token,
      supervisor,
      logger,
      launcherStatus: () => ({ pid: process.pid, nats }),
    }).catch((err: Error) => {
      throw new StartupError(
        `the control API cannot listen on 127.0.0.1:${c.MESH_CONTROL_PORT} (${err.message}): is another launcher running? (MESH_CONTROL_PORT)`,
      );
    });
    // Written once the port is ours, never over another launcher's (control-token.ts).
    writeControlToken(controlTarget, token);
    controlToken = token;
    for (const [app, n] of c.replicas) if (!pendingSignal) await supervisor.scale(app, n);
  } catch (err) {
    const known =
      err instanceof StartupError ||
      err instanceof NatsUnavailableError ||
      err instanceof DatabaseRolesError ||
      err instanceof ProvisionError;
    if (known) process.stderr.write(`mesh: ${err.message}\n`);
    else logger.fatal({ err }, 'launcher failed to start');
    dbRoles?.stop();
    supervisor.killAllNow();
    control?.close();
    forgetToken();
    await nc?.close();
    await owned?.stop();
    return 1;
  }
  logger.info(
    { replicas: Object.fromEntries(c.replicas), nats: c.NATS_URL, control: c.MESH_CONTROL_PORT },
    'replicas started: waiting for each to serve',
  );

  let announced = false;
  /**
   * The one place that decides the mesh is up and says so: once, when every replica asked for
   * serves. In a terminal the line stands alone; in a JSON log it is a log line like the others.
   * A replica that waits for its database is not serving, so it holds this back too.
   */
  const announceWhenReady = () => {
    if (announced || !supervisor.allServing()) return;
    announced = true;
    const facts = readyFacts(c.replicas, c.HOST, c.PORT);
    const line = readyLine(facts);
    if (format === 'pretty') process.stdout.write(`${line}\n`);
    else logger.info({ ...facts, ms: Date.now() - startedAt }, line);
  };

  const waiting = new WaitingReport();
  // `starting` → `running` once a replica serves; probed only while some replica is starting.
  let probing = false;
  const probe = setInterval(() => {
    const starting = supervisor.starting();
    if (probing) return;
    if (starting.length === 0) return announceWhenReady();
    probing = true;
    probeStarting(nc, starting, c.PORT)
      .then((seen) => {
        supervisor.markRunning(seen.serving);
        for (const line of waiting.update(seen.waiting, (pid) => supervisor.stateOf(pid)))
          process.stderr.write(`${line}\n`);
        announceWhenReady();
      })
      .catch((err: unknown) => logger.debug({ err }, 'readiness probe failed'))
      .finally(() => (probing = false));
  }, 250);

  const dev = mode.dev ? startDevLoop(repoRoot, supervisor, c, format, logger) : null;

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: killing every replica now');
        supervisor.killAllNow();
        return;
      }
      stopping = true;
      logger.info({ signal }, 'stopping: draining every replica');
      clearInterval(probe);
      dbRoles?.stop();
      const devStopped = dev?.stop();
      control.close();
      control.closeAllConnections();
      forgetToken();
      const started = Date.now();
      void supervisor
        .stopAll()
        .then(async (drained) => {
          await devStopped;
          await nc.close().catch(() => undefined);
          await owned?.stop();
          logger.info({ ms: Date.now() - started, replicas: drained.length }, 'mesh stopped');
          resolve(0);
        })
        .catch((err: unknown) => {
          logger.error({ err }, 'stop failed');
          supervisor.killAllNow();
          resolve(1);
        });
    };
    onSignal = shutdown;
    if (pendingSignal) shutdown(pendingSignal);
    // A launcher bug must not leave replicas running with nobody to stop them.
    process.on('uncaughtException', (err) => {
      logger.fatal({ err }, 'launcher failed: killing every replica');
      supervisor.killAllNow();
      void Promise.all([owned?.stop(), dev?.stop()]).finally(() => resolve(1));
    });
  });
}

/** tsc --watch plus the watcher on dist/ that restarts what changed. */
function startDevLoop(
  repoRoot: string,
  supervisor: ReplicaSupervisor,
  c: LauncherConfig,
  format: LogFormat,
  logger: Logger,
): { stop: () => Promise<void> } {
  const reloader = new DevReloader({
    distDir: join(repoRoot, 'dist'),
    logger,
    running: () =>
      supervisor
        .status()
        .filter((a) => a.desired > 0)
        .map((a) => a.app),
    restart: (app) => supervisor.restart(app),
  });
  reloader.start();
  const tsc = startTscWatch({ repoRoot, logger: createLogger({ service: 'tsc', level: c.LOG_LEVEL, format }) });
  logger.info('dev: tsc --watch rebuilds on change; replicas restart when their built code changes');
  return {
    stop: async () => {
      reloader.stop();
      await tsc.stop();
    },
  };
}

async function ensureNats(c: LauncherConfig, repoRoot: string, logger: Logger): Promise<OwnedNats | null> {
  if (await natsAnswers(c.NATS_URL)) return null;
  const port = loopbackPort(c.NATS_URL);
  const bin = findExecutable(c.NATS_SERVER_BIN, c.PATH);
  if (port === null || bin === null) {
    const why = port === null ? `${c.NATS_URL} is not on this machine` : `${c.NATS_SERVER_BIN} is not on the PATH`;
    throw new NatsUnavailableError(
      `no NATS answers at ${c.NATS_URL} and ${why}: start one (e.g. \`docker run -p 4222:4222 nats -js\`, or install nats-server: https://docs.nats.io/running-a-nats-service/introduction/installation) or set NATS_URL`,
    );
  }
  // Something that is not NATS on NATS's port would make nats-server fail with a line of its own.
  if ((await portTaken('127.0.0.1', port)) !== null)
    throw new NatsUnavailableError(
      `port ${port} is already in use by something that does not answer as NATS: the launcher would start nats-server there (NATS_URL); stop what holds it, or set NATS_URL to a running NATS or a free port`,
    );
  logger.info({ url: c.NATS_URL }, 'no NATS answers: starting nats-server');
  return startOwnNats({
    bin,
    port,
    storeDir: c.MESH_NATS_STORE_DIR ?? join(repoRoot, '.mesh', 'nats'),
    configFile: join(repoRoot, 'nats-server.conf'),
    logger,
  });
}
