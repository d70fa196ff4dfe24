// Raw request-reply for integration tests: what any mesh member would send over NATS.
import { MeshClient } from '#mesh';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export async function testClient(url: string, timeoutMs = 3000): Promise<{ nc: NatsConnection; mesh: MeshClient }> {
  const nc = await connect({ servers: url });
  return { nc, mesh: new MeshClient(nc, { defaultTimeoutMs: timeoutMs }) };
}
