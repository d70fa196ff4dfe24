import type { NatsConnection } from '@nats-io/transport-node';

export interface ServiceInfo {
  name: string;
  metadata: Record<string, string>;
  /** [subject, queue group] of every endpoint, sorted. */
  endpoints: Array<[string, string]>;
}

/** What `$SRV.INFO.<service>` (as `nats micro info` shows it) says about one replica. */
export async function serviceInfo(nc: NatsConnection, service: string): Promise<ServiceInfo> {
  const reply = await nc.request(`$SRV.INFO.${service}`, '', { timeout: 1000 });
  const info = reply.json<{
    name: string;
    metadata: Record<string, string>;
    endpoints: Array<{ subject: string; queue_group: string }>;
  }>();
  return {
    name: info.name,
    metadata: info.metadata,
    endpoints: info.endpoints.map((e): [string, string] => [e.subject, e.queue_group]).sort(),
  };
}
