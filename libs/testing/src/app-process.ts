// Built apps as real processes, started by the same runner as the launcher's (spawnReplica), for
// end-to-end tests: real pids to signal, their JSON log lines kept for assertions, and all of
// them ended by pid.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { appMainFile, findRepoRoot, spawnReplica } from '#service';

/** The repository root, found from here whether this runs from source or from dist/. */
export const REPO_ROOT = findRepoRoot();

export interface AppProcess {
  app: string;
  pid: number;
  child: ChildProcess;
  /** Parsed JSON log lines written so far (stdout). */
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** The last 8000 characters it wrote to stderr (a crash's stack trace). */
  stderr: () => string;
  kill: (signal?: NodeJS.Signals) => void;
  waitForLog: (
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ) => Promise<Record<string, unknown>>;
}

const live = new Set<AppProcess>();

export function spawnApp(
  app: string,
  env: Record<string, string>,
  o: {
    /** Run it inside this network namespace (a test host: libs/testing/src/hosts). */
    netns?: string;
  } = {},
): AppProcess {
  const { child } = spawnReplica({
    script: appMainFile(REPO_ROOT, app),
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    cwd: REPO_ROOT,
    output: 'pipe',
    wrap: o.netns ? ['ip', 'netns', 'exec', o.netns] : undefined,
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
    waiters.splice(0).forEach((w) => w());
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const exited = new Promise<number | null>((res) =>
    child.once('exit', (code, signal) => res(code ?? (signal ? -1 : null))),
  );
  const handle: AppProcess = {
    app,
    pid: child.pid!,
    child,
    logs,
    exited,
    stderr: () => stderr,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitForLog: (match, timeoutMs = 15_000) =>
      new Promise((res, rej) => {
        const deadline = setTimeout(
          () =>
            rej(
              new Error(
                `${app} (pid ${child.pid}) did not log the awaited line in ${timeoutMs} ms; stderr:\n${stderr}`,
              ),
            ),
          timeoutMs,
        );
        const check = () => {
          const found = logs.find(match);
          if (found) {
            clearTimeout(deadline);
            res(found);
          } else if (child.exitCode !== null) {
            clearTimeout(deadline);
            rej(new Error(`${app} exited with ${child.exitCode}; stderr:\n${stderr}`));
          } else waiters.push(check);
        };
        check();
      }),
  };
  live.add(handle);
  void exited.then(() => live.delete(handle));
  return handle;
}

/** Ends every app process a test started: SIGTERM, then SIGKILL after `graceMs`. */
export function stopAllApps(graceMs = 12_000): Promise<void> {
  return stopApps([...live], graceMs);
}

/** Ends these app processes (continued first, if frozen): SIGTERM, then SIGKILL after `graceMs`. */
export async function stopApps(all: readonly AppProcess[], graceMs = 12_000): Promise<void> {
  for (const p of all) {
    p.kill('SIGCONT');
    p.kill('SIGTERM');
  }
  await Promise.race([Promise.all(all.map((p) => p.exited)), new Promise((r) => setTimeout(r, graceMs))]);
  for (const p of all) p.kill('SIGKILL');
  await Promise.all(all.map((p) => p.exited));
}

/** A process's resident memory now, in MB (2 decimals), from /proc; NaN when it is gone. */
export function rssMb(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return NaN;
  }
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Math.round((Number(m[1]) / 1024) * 100) / 100 : NaN;
}
