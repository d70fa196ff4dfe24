// A private nats-server per test file: real NATS, but nobody else's replicas on its subjects
// (a developer's running mesh, or another test file's), so tests cannot steal each other's work.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { freePort } from './free-port.js';

export interface NatsServerHandle {
  url: string;
  port: number;
  pid: number;
  stop: () => Promise<void>;
}

export async function startNatsServer(
  o: { jetstream?: boolean; args?: string[]; /** Reuse a port (a restart); default a free one. */ port?: number } = {},
): Promise<NatsServerHandle> {
  const port = o.port ?? (await freePort());
  const storeDir = mkdtempSync(join(tmpdir(), 'failsoft-nats-'));
  const args = [
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    ...(o.jetstream !== false ? ['-js', '-sd', storeDir] : []),
    ...(o.args ?? []),
  ];
  const child = spawn(process.env.NATS_SERVER_BIN ?? 'nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()).slice(-4000));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 500 });
      await nc.close();
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`nats-server did not start on ${port}\n${stderr}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
