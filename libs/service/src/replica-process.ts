// One replica as an OS process: `node <flags> dist/apps/<app>/src/main.js`, its exit as a
// promise, and signals that never throw at a process that is already gone. The one runner:
// the launcher (`npm start`), the tests, the chaos tool and the bench all start replicas here.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPLICA_NODE_FLAGS } from '#runtime';

export interface Exit {
  code: number | null;
  signal: string | null;
}

export interface ReplicaProcess {
  child: ChildProcess;
  /** Resolves once, when the process has exited (or could not be started at all). */
  exited: Promise<Exit>;
}

export interface SpawnReplicaOptions {
  script: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `inherit`: its logs go to our terminal (the launcher); `pipe`: the caller reads them (tests). */
  output: 'inherit' | 'pipe';
  /**
   * Its own process group (the launcher's replicas), so a Ctrl-C in the terminal reaches only the
   * launcher, which then drains the replicas before it stops the nats-server they reply through.
   */
  detached?: boolean;
  onError?: (err: Error) => void;
  /**
   * A command that runs the replica inside something and execs it, so the pid stays the
   * replica's: the multi-host drills run replicas in a network namespace with
   * `['ip', 'netns', 'exec', '<namespace>']`.
   */
  wrap?: string[];
}

export function spawnReplica(o: SpawnReplicaOptions): ReplicaProcess {
  const [command, ...args] = [...(o.wrap ?? []), process.execPath, ...REPLICA_NODE_FLAGS, o.script];
  const child = spawn(command, args, {
    cwd: o.cwd,
    env: o.env,
    stdio: ['ignore', o.output, o.output],
    detached: o.detached ?? false,
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (err) => {
      o.onError?.(err);
      if (child.pid === undefined) resolve({ code: null, signal: null }); // it never started
    });
  });
  return { child, exited };
}

export function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(child.pid, sig);
  } catch {
    // already gone
  }
}

/**
 * The repository root: the nearest folder above this file with a package.json. Walking up
 * (rather than a fixed `../../..`) works both from dist/ and from the sources under vitest, and
 * never depends on the caller's working directory.
 */
export function findRepoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The compiled entry point a replica of `app` runs. */
export function appMainFile(repoRoot: string, app: string): string {
  return join(repoRoot, 'dist', 'apps', app, 'src', 'main.js');
}
