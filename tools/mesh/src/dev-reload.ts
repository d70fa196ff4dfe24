// `mesh dev` (`npm run dev`): the launcher plus a rebuild loop. `tsc --watch` rebuilds dist/ as
// sources change; a watcher on dist/ then restarts the replicas whose built code changed — one
// app's when a file of dist/apps/<app>/ changed, every app's when a library changed — draining
// each replica as `mesh scale` does. Watching dist/ rather than the sources means a change counts
// once it is built: a file with a type error that tsc still emits reloads, one it cannot parse
// does not, and whatever else writes dist/ (a `npm run build` in another terminal) reloads too.
import { spawn, type ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { isAppName, type AppName } from './app-catalogue.js';

export interface Affected {
  apps: AppName[];
  /** The launcher's own code changed: it cannot reload itself. */
  launcher: boolean;
}

/** Which of the running apps a changed path under dist/ (relative, either separator) affects. */
export function affectedBy(path: string, running: readonly AppName[]): Affected {
  const none: Affected = { apps: [], launcher: false };
  const p = path.split('\\').join('/');
  // Source maps and tsc's build info change with the code they describe, never on their own.
  if (p.endsWith('.map') || p.endsWith('.tsbuildinfo')) return none;
  const [top, name] = p.split('/');
  if (top === 'apps' && name !== undefined && isAppName(name))
    return { apps: running.includes(name) ? [name] : [], launcher: false };
  // libs/testing is never loaded by an app.
  if (top === 'libs' && name !== 'testing') return { apps: [...running], launcher: false };
  if (top === 'tools' && name === 'mesh') return { apps: [], launcher: true };
  return none; // dist/web is served from disk as it is; bench and chaos run no replica
}

export interface DevReloaderOptions {
  distDir: string;
  logger: Logger;
  /** The apps that have replicas now. */
  running: () => AppName[];
  restart: (app: AppName) => Promise<Array<{ index: number; from: number | null; to: number | null }>>;
  /** tsc writes a build's files over a few hundred ms: one reload per app for all of them. */
  debounceMs?: number;
}

export class DevReloader {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<AppName>();
  private launcherChanged = false;
  private readonly restarting = new Set<AppName>();
  /** Apps that changed again while restarting: restarted once more when that one is done. */
  private readonly again = new Set<AppName>();
  private stopped = false;

  constructor(private readonly o: DevReloaderOptions) {}

  start(): void {
    this.watcher = watch(this.o.distDir, { recursive: true }, (_event, file) => {
      if (file === null || this.stopped) return;
      const a = affectedBy(String(file), this.o.running());
      a.apps.forEach((app) => this.pending.add(app));
      this.launcherChanged ||= a.launcher;
      if (a.apps.length === 0 && !a.launcher) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), this.o.debounceMs ?? 300);
    });
    this.watcher.on('error', (err) => this.o.logger.error({ err }, 'dev: watching dist/ failed: reloads stopped'));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
  }

  private flush(): void {
    this.timer = null;
    if (this.launcherChanged)
      this.o.logger.warn('dev: the launcher itself changed: stop and run `npm run dev` again to use it');
    this.launcherChanged = false;
    const apps = [...this.pending];
    this.pending.clear();
    for (const app of apps) void this.reload(app);
  }

  private async reload(app: AppName): Promise<void> {
    if (this.restarting.has(app)) {
      this.again.add(app);
      return;
    }
    this.restarting.add(app);
    const started = Date.now();
    this.o.logger.info({ app }, 'dev: built code changed: restarting');
    try {
      const replaced = await this.o.restart(app);
      if (!this.stopped)
        this.o.logger.info(
          { app, pids: replaced.map((r) => `${r.from ?? '-'} → ${r.to ?? '-'}`).join(', '), ms: Date.now() - started },
          'dev: restarted',
        );
    } catch (err) {
      this.o.logger.error({ err, app }, 'dev: restart failed');
    } finally {
      this.restarting.delete(app);
    }
    if (this.again.delete(app) && !this.stopped) await this.reload(app);
  }
}

/**
 * `tsc --watch` on the build's project, as a child whose lines go through the launcher's logger
 * (so a JSON log stays JSON, and its errors stand out as errors). Its first pass finds dist/ up to
 * date (the build `npm run dev` ran first) and writes nothing.
 */
export function startTscWatch(o: { repoRoot: string; /** service: 'tsc' */ logger: Logger }): {
  stop: () => Promise<void>;
} {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const log = o.logger;
  const child: ChildProcess = spawn(
    process.execPath,
    [tsc, '--watch', '-p', 'tsconfig.build.json', '--preserveWatchOutput', '--pretty', 'false'],
    // detached: a Ctrl-C in the terminal reaches only the launcher, which stops tsc itself.
    { cwd: o.repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('error', (err) => log.error({ err }, 'tsc --watch could not start: no rebuilds'));
  child.once('exit', (code, signal) => {
    if (!stopping) log.error({ code, signal }, 'tsc --watch exited: no rebuilds until `npm run dev` is started again');
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      // tsc stamps its own lines with a local time; the logger has the time already.
      const text = line.replace(/^\s*\d{1,2}:\d{2}:\d{2}( [AP]M)? - /, '').trim();
      if (text === '') return;
      if (/error TS\d+/.test(text)) log.error(text);
      else if (/^Found [1-9]\d* errors?/.test(text)) log.warn(text);
      else log.info(text);
    });
  }
  return {
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
