// What is in the mesh's JetStream streams, for tests that check events and dead letters.
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

export interface StoredEvent {
  seq: number;
  subject: string;
  /** The Nats-Msg-Id it was published with (the event id). */
  msgId: string | undefined;
  headers: Record<string, string>;
  data: any;
}

/** Every message of `stream` whose subject starts with `prefix` (all if none), oldest first. */
export async function readStream(nc: NatsConnection, stream: string, prefix = ''): Promise<StoredEvent[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream).catch(() => null);
  if (!info || info.state.messages === 0) return [];
  const out: StoredEvent[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!m || !m.subject.startsWith(prefix)) continue;
    const headers: Record<string, string> = {};
    for (const [k, v] of m.header ?? []) headers[k] = v.join(',');
    out.push({ seq, subject: m.subject, msgId: m.header?.get('Nats-Msg-Id') || undefined, headers, data: m.json() });
  }
  return out;
}

/** A durable consumer's counts (`mesh events` shows the same), or null if it does not exist. */
export async function consumerState(nc: NatsConnection, stream: string, durable: string) {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.consumers.info(stream, durable).catch(() => null);
  if (!info) return null;
  return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
}
