// `mesh events [--json]`: reads the events streams and consumers from JetStream (read-only API
// calls, which the operator's NATS user may make) and prints them.
import { connect } from '@nats-io/transport-node';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, type StreamInfo } from '@nats-io/jetstream';
import { DEADLETTER_STREAM, EVENTS_STREAM } from '#events';
import { inboxPrefixFor } from '#mesh';
import type { OperatorConfig } from './mesh.config.js';
import { formatEvents, type EventsConsumer, type EventsReport, type EventsStream } from './events-view.js';

export async function eventsCommand(c: OperatorConfig, json: boolean): Promise<number> {
  let report: EventsReport;
  try {
    report = await readEvents(c);
  } catch (err) {
    process.stderr.write(`mesh: cannot read the events streams at ${c.NATS_URL}: ${errorText(err)}\n`);
    return 1;
  }
  process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : formatEvents(report));
  return 0;
}

export async function readEvents(
  c: Pick<OperatorConfig, 'NATS_URL' | 'NATS_USER' | 'NATS_PASSWORD'>,
): Promise<EventsReport> {
  const nc = await connect({
    servers: c.NATS_URL.split(','),
    reconnect: false,
    timeout: 2000,
    ...(c.NATS_USER ? { user: c.NATS_USER, pass: c.NATS_PASSWORD, inboxPrefix: inboxPrefixFor(c.NATS_USER) } : {}),
  });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 2000 });
    const info = (name: string, subjectsFilter?: string) =>
      jsm.streams.info(name, subjectsFilter ? { subjects_filter: subjectsFilter } : undefined).catch((err: unknown) => {
        if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return null;
        throw err;
      });
    const [events, dead] = await Promise.all([info(EVENTS_STREAM), info(DEADLETTER_STREAM, 'deadletter.>')]);
    const consumers: EventsConsumer[] = [];
    if (events) {
      for (const ci of await jsm.consumers.list(EVENTS_STREAM).next()) {
        consumers.push({
          name: ci.name,
          service: ci.name.split('--')[0],
          subject: ci.config.filter_subject ?? '>',
          pending: ci.num_pending,
          ackPending: ci.num_ack_pending,
          redelivered: ci.num_redelivered,
          waitingPulls: ci.num_waiting,
        });
      }
    }
    consumers.sort((a, b) => a.name.localeCompare(b.name));
    return {
      streams: [events, dead].filter((s): s is StreamInfo => s !== null).map(toStream),
      consumers,
      deadLetters: { total: dead?.state.messages ?? 0, bySubject: dead?.state.subjects ?? {} },
    };
  } finally {
    await nc.close();
  }
}

function toStream(s: StreamInfo): EventsStream {
  return {
    name: s.config.name,
    subjects: s.config.subjects ?? [],
    messages: s.state.messages,
    bytes: s.state.bytes,
    replicas: s.config.num_replicas,
    currentReplicas: s.cluster?.replicas ? 1 + s.cluster.replicas.filter((r) => r.current).length : null,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
