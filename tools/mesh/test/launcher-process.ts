// The launcher and the operator CLI as real processes, for the integration tests. Everything
// here ends only processes it started, by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LauncherStatus } from '../src/control-types.js';
import { controlTokenFile, meshStateDir } from '../src/control-token.js';
import { controlRequest } from '../src/control-client.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const mainJs = `${repoRoot}dist/tools/mesh/src/main.js`;

export function assertBuilt(): void {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run \`npx tsc -p tsconfig.build.json\` first`);
}

/** Only what the launcher needs, so a developer's own MESH_APPS or REPLICAS cannot leak in. */
export function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...extra };
}

export interface LauncherProcess {
  pid: number;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
  output: () => string;
  /** Everything written to stdout (its replicas' JSON logs and its own), then to stderr. */
  stdout: () => string;
  stderr: () => string;
}

export function startLauncher(env: NodeJS.ProcessEnv, verb: 'up' | 'dev' = 'up'): LauncherProcess {
  return watchOutput(
    spawn(process.execPath, [mainJs, verb], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

/**
 * `mesh up` with a terminal for its stdout, as a person runs it: util-linux's `script` gives it a
 * pseudo-terminal and copies what appears there to our pipe. `pid` is script's; the launcher's
 * own pid is in its control API's GET /status.
 */
export function startLauncherInTerminal(env: NodeJS.ProcessEnv): LauncherProcess {
  const command = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(mainJs)} up`;
  return watchOutput(
    spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

function watchOutput(child: ChildProcess): LauncherProcess {
  let output = '';
  let stdout = '';
  let stderr = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-200_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-4_000_000)));
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_000_000)));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { pid: child.pid!, child, exited, output: () => output, stdout: () => stdout, stderr: () => stderr };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node dist/tools/mesh/src/main.js <args>`, bounded: SIGKILLed if it outlives timeoutMs. */
export function cli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<CliResult> {
  const child = spawn(process.execPath, [mainJs, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The parent pid of a live process, from /proc (Linux). */
export function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Every live process whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (parentOf(Number(entry)) === pid) out.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/**
 * Every live process whose environment holds `entry` (e.g. `MESH_CONTROL_PORT=41234`, which a
 * launcher's replicas, its nats-server and its tsc inherit): what a launcher left behind.
 */
export function processesWithEnv(entry: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry)) out.push(Number(pid));
    } catch {
      // exited while we looked, or not ours to read
    }
  }
  return out;
}

/** The token a launcher on this control port wrote to the repository's .mesh/ (control-token.ts). */
export function controlToken(port: number): string {
  return readFileSync(controlTokenFile({ port, stateDir: meshStateDir(repoRoot) }), 'utf8').trim();
}

/** A control request as the CLI makes it: the launcher's token, a JSON body (node:http, no fetch headers). */
export async function controlFetch(
  port: number,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: () => unknown }> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${controlToken(port)}`,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  const r = await controlRequest(
    port,
    method,
    path,
    headers,
    body === undefined ? undefined : JSON.stringify(body),
    5000,
  );
  return { status: r.status, json: () => JSON.parse(r.text) as unknown };
}

export async function controlStatus(port: number): Promise<LauncherStatus> {
  const res = await controlFetch(port, 'GET', '/status');
  if (res.status !== 200) throw new Error(`GET /status → ${res.status}`);
  return res.json() as LauncherStatus;
}

/** Stops a launcher a failed test left behind, and the processes it is running. */
export async function cleanUp(l: LauncherProcess | undefined): Promise<void> {
  if (!l) return;
  if (l.child.exitCode === null && l.child.signalCode === null) {
    const pids = childrenOf(l.pid);
    l.child.kill('SIGKILL');
    await l.exited;
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}
