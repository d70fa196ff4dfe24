// Live delivery of a new (or newly bumped) notification to every edge replica holding a stream
// of its recipient: core NATS publish on `live.notifications.<userId>`, no queue group, after the
// commit. A hint, not the truth: an edge disconnected at that instant misses it, and the client
// learns it from GET /notifications (docs/api.md says to refetch the unread count on reconnect).
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { LiveSubjects, type Notification } from '#contracts';

export class LivePublisher {
  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {}

  /** Never throws: the notification is stored, and a failed push must not fail the event. */
  publish(recipientId: string, n: Notification): void {
    try {
      this.nc.publish(LiveSubjects.notification(recipientId), JSON.stringify(n));
    } catch (err) {
      this.logger.warn({ err, notificationId: n.id, recipientId }, 'live publish failed');
    }
  }
}
