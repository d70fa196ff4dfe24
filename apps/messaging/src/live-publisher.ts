// Live delivery of a sent message to every edge replica holding a stream of its sender or
// recipient: core NATS publish on `live.messages.<userId>`, no queue group.
//
// Best-effort by design for now: a publish is fire-and-forget, so an edge that is disconnected
// at that instant (or a message stored just before this replica dies) is never pushed; the
// message is still in the conversation. Durable delivery (JetStream events) is a later issue.
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { LiveSubjects, type Message } from '#contracts';

export class LivePublisher {
  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {}

  /** Never throws: the message is already stored, and a failed push must not fail the send. */
  publishMessage(m: Message): void {
    const payload = JSON.stringify(m);
    for (const userId of new Set([m.to.id, m.from.id])) {
      try {
        this.nc.publish(LiveSubjects.message(userId), payload);
      } catch (err) {
        this.logger.warn({ err, messageId: m.id, userId }, 'live publish failed');
      }
    }
  }
}
