// Runs the replicas as child processes with exact pids: starts them, restarts the ones that
// exit unasked (RestartPolicy), scales by draining the newest, and sends drill signals.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { AppNames, isAppName, type AppName } from './app-catalogue.js';
import type {
  DrainedReplica,
  DrillSignal,
  KillResult,
  LauncherApp,
  ReplicaState,
  ScaleResult,
} from './control-types.js';
import { MaxReplicas } from './replica-counts.js';
import { signal, spawnReplica, type Exit } from '#service';
import { pickKillTarget } from './replica-selection.js';
import { DefaultRestartPolicy, RestartPolicy, type RestartPolicyOptions } from './restart-policy.js';

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SupervisorOptions {
  logger: Logger;
  drainTimeoutMs: number;
  cwd: string;
  /** The node script replica `index` of `app` runs, and its environment. */
  spawnSpec: (app: AppName, index: number) => { script: string; env: NodeJS.ProcessEnv };
  policy?: RestartPolicyOptions;
}

interface Replica {
  app: AppName;
  index: number;
  child: ChildProcess | null;
  exited: Promise<Exit>;
  startedAt: number | null;
  spawns: number;
  state: ReplicaState;
  frozen: boolean;
  /** The current process was sent KILL/TERM by `mesh kill`: its exit is a drill, not a crash. */
  drilled: boolean;
  policy: RestartPolicy;
  timer: NodeJS.Timeout | null;
}

interface Group {
  desired: number;
  slots: Replica[];
  retiring: Set<Replica>;
}

export class ReplicaSupervisor {
  private readonly groups = new Map<AppName, Group>();
  private shuttingDown = false;

  constructor(private readonly o: SupervisorOptions) {}

  async scale(app: string, to: number): Promise<ScaleResult> {
    if (!isAppName(app)) throw new ControlError(400, `unknown app "${app}" (known: ${AppNames.join(', ')})`);
    if (!Number.isInteger(to) || to < 0 || to > MaxReplicas)
      throw new ControlError(400, `replicas must be a whole number from 0 to ${MaxReplicas}`);
    if (this.shuttingDown) throw new ControlError(409, 'the launcher is stopping');
    const script = this.o.spawnSpec(app, 0).script;
    if (to > 0 && !existsSync(script))
      throw new ControlError(409, `${script} does not exist: build it first (npm run build)`);
    let group = this.groups.get(app);
    if (!group) this.groups.set(app, (group = { desired: 0, slots: [], retiring: new Set() }));
    const from = group.desired;
    group.desired = to;
    // From 0 (the launcher's start, or an app brought back) each new replica's own line says it.
    if (from !== to) this.o.logger[from === 0 ? 'debug' : 'info']({ app, from, to }, 'scaling');
    // The newest replicas (highest index) go first, so the ones left keep their index and port.
    const removed = group.slots.splice(to);
    const started: ScaleResult['started'] = [];
    for (const r of group.slots) {
      if (r.state !== 'crashed') continue;
      r.policy.reset(); // an operator's scale is an explicit "try again"
      this.spawn(r);
      started.push({ index: r.index, pid: r.child?.pid ?? null });
    }
    for (let index = group.slots.length; index < to; index++) {
      const r = this.newReplica(app, index);
      group.slots.push(r);
      this.spawn(r);
      started.push({ index, pid: r.child?.pid ?? null });
    }
    const drained = await Promise.all(removed.map((r) => this.retire(group, r)));
    return { app, from, to, started, drained: drained.filter((d): d is DrainedReplica => d !== null) };
  }

  kill(app: string, signal: DrillSignal, pid?: number): KillResult {
    if (!isAppName(app)) throw new ControlError(400, `unknown app "${app}" (known: ${AppNames.join(', ')})`);
    const live = (this.groups.get(app)?.slots ?? [])
      .filter((r) => r.child?.pid !== undefined)
      .map((r) => ({ r, pid: r.child!.pid!, startedAt: r.startedAt, state: r.state, frozen: r.frozen }));
    const target = pid !== undefined ? live.find((c) => c.pid === pid) : pickKillTarget(live, signal);
    if (!target && pid !== undefined)
      throw new ControlError(400, `pid ${pid} is not a live ${app} replica of this launcher`);
    if (!target) throw new ControlError(409, `${app} has no live replica${signal === 'CONT' ? ' that is frozen' : ''}`);
    const r = target.r;
    if (signal === 'KILL' || signal === 'TERM') r.drilled = true;
    try {
      process.kill(target.pid, `SIG${signal}`);
    } catch {
      throw new ControlError(409, `pid ${target.pid} exited before the signal reached it`);
    }
    if (signal === 'STOP' || signal === 'CONT') r.frozen = signal === 'STOP';
    this.o.logger.warn({ app, index: r.index, replicaPid: target.pid, signal }, 'drill: sent a signal to a replica');
    return { app, index: r.index, pid: target.pid, signal };
  }

  /** Replicas whose pid answered $SRV as serving (not merely waiting in it): `starting` → `running`. */
  markRunning(pids: ReadonlySet<number>): void {
    for (const r of this.all()) {
      const pid = r.child?.pid;
      if (r.state !== 'starting' || pid === undefined || !pids.has(pid)) continue;
      r.state = 'running';
      this.o.logger.info(
        { app: r.app, index: r.index, replicaPid: pid, ms: Date.now() - r.startedAt! },
        'replica is serving',
      );
    }
  }

  /** The state of the replica running as `pid`; undefined when no replica is that process. */
  stateOf(pid: number): ReplicaState | undefined {
    return this.all().find((r) => r.child?.pid === pid)?.state;
  }

  /**
   * Every replica asked for has been seen serving, none draining (a replica in $SRV that waits for
   * its database has not; a crashed one never will). True with none asked for.
   */
  allServing(): boolean {
    return [...this.groups.values()].every((g) => g.retiring.size === 0 && g.slots.every((r) => r.state === 'running'));
  }

  /**
   * Replaces every replica of `app` with a fresh process running the code on disk now (the dev
   * loop's reload), one replica at a time, each drained first exactly as a scale-down drains it,
   * so an app with two replicas keeps serving. A crashed one is started again too.
   */
  async restart(app: AppName): Promise<Array<{ index: number; from: number | null; to: number | null }>> {
    const group = this.groups.get(app);
    const out: Array<{ index: number; from: number | null; to: number | null }> = [];
    for (const r of [...(group?.slots ?? [])]) {
      // A scale-down or the launcher's stop may take a replica away while another drains.
      if (this.shuttingDown || !group!.slots.includes(r)) continue;
      const from = r.child?.pid ?? null;
      if (r.timer) clearTimeout(r.timer);
      r.timer = null;
      r.state = 'stopping';
      if (r.child?.pid !== undefined) await this.drain(r, r.child);
      if (this.shuttingDown || !group!.slots.includes(r)) continue;
      r.policy.reset();
      this.spawn(r);
      out.push({ index: r.index, from, to: r.child?.pid ?? null });
    }
    return out;
  }

  /** Replicas spawned but not yet seen serving. */
  starting(): Array<{ app: AppName; index: number; pid: number }> {
    return this.all()
      .filter((r) => r.state === 'starting' && r.child?.pid !== undefined)
      .map((r) => ({ app: r.app, index: r.index, pid: r.child!.pid! }));
  }

  status(): LauncherApp[] {
    return [...this.groups].map(([app, g]) => ({
      app,
      desired: g.desired,
      replicas: [...g.slots, ...g.retiring].map((r) => ({
        index: r.index,
        pid: r.child?.pid ?? null,
        startedAt: r.child && r.startedAt !== null ? new Date(r.startedAt).toISOString() : null,
        restarts: Math.max(0, r.spawns - 1),
        state: r.state,
        frozen: r.frozen,
      })),
    }));
  }

  /** SIGTERM every replica and wait for all of them (each SIGKILLed after its drain bound). */
  async stopAll(): Promise<DrainedReplica[]> {
    this.shuttingDown = true;
    const waits: Array<Promise<DrainedReplica | null>> = [];
    for (const g of this.groups.values()) {
      waits.push(...g.slots.splice(0).map((r) => this.retire(g, r)));
      waits.push(...[...g.retiring].map((r) => r.exited.then(() => null)));
    }
    return (await Promise.all(waits)).filter((d): d is DrainedReplica => d !== null);
  }

  /** Last resort (a second Ctrl-C, a launcher bug): no replica may outlive the launcher. */
  killAllNow(): void {
    this.shuttingDown = true;
    for (const r of this.all()) if (r.child?.pid !== undefined) signal(r.child, 'SIGKILL');
  }

  private all(): Replica[] {
    return [...this.groups.values()].flatMap((g) => [...g.slots, ...g.retiring]);
  }

  private newReplica(app: AppName, index: number): Replica {
    const policy = new RestartPolicy(this.o.policy ?? DefaultRestartPolicy);
    return {
      app,
      index,
      child: null,
      exited: Promise.resolve({ code: null, signal: null }),
      startedAt: null,
      spawns: 0,
      state: 'starting',
      frozen: false,
      drilled: false,
      policy,
      timer: null,
    };
  }

  private spawn(r: Replica): void {
    r.timer = null;
    const { script, env } = this.o.spawnSpec(r.app, r.index);
    const p = spawnReplica({
      script,
      env,
      cwd: this.o.cwd,
      output: 'inherit',
      detached: true,
      onError: (err) => this.o.logger.error({ err, app: r.app, index: r.index }, 'replica process error'),
    });
    Object.assign(r, {
      child: p.child,
      exited: p.exited,
      startedAt: Date.now(),
      state: 'starting',
      frozen: false,
      drilled: false,
    } satisfies Partial<Replica>);
    r.spawns++;
    // Registered before anyone else awaits `exited`, so the bookkeeping runs first.
    void p.exited.then((exit) => this.onExit(r, p.child, exit));
    this.o.logger.info(
      { app: r.app, index: r.index, replicaPid: p.child.pid, restarts: r.spawns - 1 },
      'replica started',
    );
  }

  private onExit(r: Replica, child: ChildProcess, exit: Exit): void {
    if (r.child !== child) return;
    r.child = null;
    r.frozen = false;
    const fields = { app: r.app, index: r.index, replicaPid: child.pid, ...exit };
    if (r.state === 'stopping' || this.shuttingDown) {
      this.o.logger.info(fields, 'replica stopped');
      return;
    }
    const decision = r.policy.onExit(r.startedAt!, Date.now(), r.drilled);
    if (decision.kind === 'give-up') {
      r.state = 'crashed';
      this.o.logger.error(
        { ...fields, crashes: decision.crashes },
        'replica keeps crashing: not restarting it (`mesh scale` retries)',
      );
      return;
    }
    r.state = 'starting';
    this.o.logger[r.drilled ? 'info' : 'warn'](
      { ...fields, restartInMs: decision.delayMs },
      'replica exited unasked: restarting',
    );
    r.timer = setTimeout(() => this.spawn(r), decision.delayMs);
  }

  private async retire(g: Group, r: Replica): Promise<DrainedReplica | null> {
    if (r.timer) clearTimeout(r.timer);
    r.timer = null;
    r.state = 'stopping';
    const child = r.child;
    if (!child || child.pid === undefined) return null; // waiting out a backoff, or crashed
    g.retiring.add(r);
    const drained = await this.drain(r, child);
    g.retiring.delete(r);
    return drained;
  }

  /** SIGTERM, and SIGKILL if it has not exited within the drain bound; resolves once it exited. */
  private async drain(r: Replica, child: ChildProcess): Promise<DrainedReplica> {
    const started = Date.now();
    signal(child, 'SIGTERM');
    signal(child, 'SIGCONT'); // a frozen replica must wake up to drain
    const timer = setTimeout(() => {
      this.o.logger.warn(
        { app: r.app, index: r.index, replicaPid: child.pid },
        'replica did not drain in time: SIGKILL',
      );
      signal(child, 'SIGKILL');
    }, this.o.drainTimeoutMs + 5000);
    const exit = await r.exited;
    clearTimeout(timer);
    return { index: r.index, pid: child.pid!, code: exit.code, signal: exit.signal, ms: Date.now() - started };
  }
}
