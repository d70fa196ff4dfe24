// Readiness by asking, not by reading logs (which a quiet LOG_LEVEL would hide).
import type { NatsConnection } from '@nats-io/transport-node';
import { notServingOf } from '#mesh';
import type { AppProcess } from './app-process.js';

async function check(p: AppProcess, timeoutMs: number, ready: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null)
      throw new Error(`${p.app} (pid ${p.pid}) exited with ${p.child.exitCode} before ${what}; stderr:\n${p.stderr()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${p.app} (pid ${p.pid}) not ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits until the replica with this pid answers `$SRV.PING.<service>` as a replica that serves
 * (one waiting in the mesh for its database answers too, saying so: that is not joined).
 */
export function waitUntilJoined(nc: NatsConnection, p: AppProcess, timeoutMs = 20_000): Promise<void> {
  return check(
    p,
    timeoutMs,
    async () => {
      const replies = await nc.requestMany(`$SRV.PING.${p.app}`, '', { maxWait: 300, strategy: 'timer' } as never);
      for await (const m of replies) {
        const { metadata } = m.json<{ metadata?: Record<string, string> }>();
        if (metadata?.pid === String(p.pid) && notServingOf(metadata) === null) return true;
      }
      return false;
    },
    'joined the mesh',
  );
}

/** Waits until an edge answers `GET /health/ready` with 200. */
export function waitUntilReady(baseUrl: string, p: AppProcess, timeoutMs = 20_000): Promise<void> {
  return check(
    p,
    timeoutMs,
    async () => (await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(1000) })).status === 200,
    'ready',
  );
}
