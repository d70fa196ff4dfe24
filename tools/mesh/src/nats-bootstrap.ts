// NATS for `mesh up`: use the one at NATS_URL; if none answers and the URL is on this machine,
// start nats-server as a child (JetStream on, data in a local folder) and stop it on exit.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';

export class NatsUnavailableError extends Error {}

export interface OwnedNats {
  pid: number;
  stop: () => Promise<void>;
}

export async function natsAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const nc = await connect({ servers: url.split(',').map((s) => s.trim()), reconnect: false, timeout: timeoutMs });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}

/** The port of a single-server NATS URL on loopback; null for anything we must not start. */
export function loopbackPort(url: string): number | null {
  if (url.includes(',')) return null;
  let u: URL;
  try {
    u = new URL(url.includes('://') ? url : `nats://${url}`);
  } catch {
    return null;
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host))) return null;
  return u.port === '' ? 4222 : Number(u.port);
}

/** The executable `bin` would run, searching `pathEnv` like a shell does; null if none. */
export function findExecutable(bin: string, pathEnv: string): string | null {
  const candidates =
    isAbsolute(bin) || bin.includes('/')
      ? [bin]
      : pathEnv
          .split(delimiter)
          .filter(Boolean)
          .map((d) => join(d, bin));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

export async function startOwnNats(o: {
  bin: string;
  port: number;
  storeDir: string;
  /** The repository's nats-server.conf (server ping settings no flag can set), if present. */
  configFile?: string;
  logger: Logger;
}): Promise<OwnedNats> {
  mkdirSync(o.storeDir, { recursive: true });
  const config = o.configFile !== undefined && existsSync(o.configFile) ? ['-c', o.configFile] : [];
  if (config.length === 0) o.logger.warn({ configFile: o.configFile }, 'no nats-server.conf: server ping defaults');
  const args = [...config, '-a', '127.0.0.1', '-p', String(o.port), '-js', '-sd', o.storeDir];
  // detached: its own process group, so a Ctrl-C in the terminal does not stop NATS under
  // replicas that are still draining; the launcher stops it last.
  const child = spawn(o.bin, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let tail = '';
  child.stderr.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-2000)));
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('exit', (code, signal) => {
    if (!stopping)
      o.logger.error({ code, signal, stderr: lastLines(tail) }, 'nats-server started by the launcher exited');
  });
  child.once('error', () => undefined); // reported through 'exit'/the readiness wait below
  const url = `nats://127.0.0.1:${o.port}`;
  const deadline = Date.now() + 10_000;
  while (!(await natsAnswers(url, 500))) {
    if (child.exitCode !== null || child.pid === undefined || Date.now() > deadline) {
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
      throw new NatsUnavailableError(`nats-server did not start on port ${o.port}: ${lastLines(tail) || 'no output'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  o.logger.info({ natsPid: child.pid, url, storeDir: o.storeDir, configFile: config[1] }, 'started nats-server');
  return {
    pid: child.pid!,
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      o.logger.info({ natsPid: child.pid }, 'stopped nats-server');
    },
  };
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}
