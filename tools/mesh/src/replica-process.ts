// One replica as an OS process: `node <flags> <script>` in its own process group, its exit as a
// promise, and signals that never throw at a process that is already gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { REPLICA_NODE_FLAGS } from '#mesh';

export interface Exit {
  code: number | null;
  signal: string | null;
}

export interface ReplicaProcess {
  child: ChildProcess;
  /** Resolves once, when the process has exited (or could not be started at all). */
  exited: Promise<Exit>;
}

export function spawnReplica(
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  onError: (err: Error) => void,
): ReplicaProcess {
  // detached: its own process group, so a Ctrl-C in the terminal reaches only the launcher,
  // which then drains the replicas before it stops the nats-server they reply through.
  const child = spawn(process.execPath, [...REPLICA_NODE_FLAGS, script], {
    cwd,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (err) => {
      onError(err);
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
