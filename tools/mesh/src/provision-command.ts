// The provisioner (libs/events provision.ts) as the launcher runs it at start, before any
// replica, and as `mesh provision` runs it for operators (the Kubernetes Job and the compose
// one-shot run `mesh provision` too): connect as the provisioner user, make the JetStream layout,
// say what changed. JetStream just started may not answer yet: retried, 0.5 s doubling to 5 s,
// for up to 30 s.
import type { Logger } from 'pino';
import { connectNats } from '#mesh';
import { provision, type ProvisionReport } from '#events';
import { createLogger } from '#runtime';
import { loadProvisionConfig, type ProvisionConfig } from './mesh.config.js';

export class ProvisionError extends Error {}

const DEADLINE_MS = 30_000;

export async function runProvision(c: ProvisionConfig, logger: Logger): Promise<ProvisionReport> {
  const user = c.NATS_PROVISIONER_USER ?? c.NATS_USER;
  const password = c.NATS_PROVISIONER_USER ? c.NATS_PROVISIONER_PASSWORD : c.NATS_PASSWORD;
  const deadline = Date.now() + DEADLINE_MS;
  let pause = 500;
  for (;;) {
    try {
      const nc = await connectNats({ url: c.NATS_URL, name: 'provisioner', user, password });
      try {
        const report = await provision(nc, {
          replicas: c.EVENTS_STREAM_REPLICAS,
          mediaBucket: c.MEDIA_BUCKET,
          ackWaitMs: c.EVENTS_ACK_WAIT_MS,
        });
        const changed = Object.fromEntries(Object.entries(report).filter(([, v]) => v !== 'unchanged'));
        logger.info({ changed, parts: Object.keys(report).length }, 'jetstream layout provisioned');
        return report;
      } finally {
        await nc.close();
      }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (Date.now() + pause > deadline) {
        throw new ProvisionError(`cannot provision JetStream at ${c.NATS_URL} as ${user ?? 'no user'}: ${why}`);
      }
      logger.warn({ err: why, retryInMs: pause }, 'cannot provision JetStream yet; retrying');
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(5000, pause * 2);
    }
  }
}

/** `mesh provision`: exit 0 once the layout is there, 1 with one line if it cannot be made. */
export async function provisionCommand(): Promise<number> {
  const c = loadProvisionConfig();
  const logger = createLogger({ service: 'provisioner', level: c.LOG_LEVEL });
  try {
    const report = await runProvision(c, logger);
    process.stdout.write(
      Object.entries(report)
        .map(([part, outcome]) => `${part}: ${outcome}\n`)
        .join(''),
    );
    return 0;
  } catch (err) {
    if (!(err instanceof ProvisionError)) throw err;
    process.stderr.write(`mesh: ${err.message}\n`);
    return 1;
  }
}
