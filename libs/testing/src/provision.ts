// The test helpers' provisioner run: the JetStream layout made on a private nats-server (or
// cluster) before any app starts, as the launcher does, as the `provisioner` user when the
// server has users.
import { connect } from '@nats-io/transport-node';
import { provision, type ProvisionReport } from '#events';
import { inboxPrefixFor, type NatsCredential } from '#mesh';

export async function provisionNats(o: {
  servers: string | string[];
  credentials?: NatsCredential[];
  replicas?: number;
  mediaBucket?: string;
}): Promise<ProvisionReport> {
  const p = o.credentials?.find((c) => c.user === 'provisioner');
  const nc = await connect({
    servers: o.servers,
    reconnect: false,
    timeout: 5000,
    ...(p ? { user: p.user, pass: p.password, inboxPrefix: inboxPrefixFor(p.user) } : {}),
  });
  try {
    return await provision(nc, { replicas: o.replicas ?? 1, mediaBucket: o.mediaBucket ?? 'media', ackWaitMs: 10_000 });
  } finally {
    await nc.close();
  }
}
