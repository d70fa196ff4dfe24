// Live delivery of a new (or newly bumped) notification, or of an unread one taken back, to every
// edge replica holding a stream of its recipient: core NATS publish on `live.notifications.<userId>`,
// no queue group, after the commit. A removal carries the `live-event: notification-removed`
// header, which the edge turns into that SSE event name. A hint, not the truth: an edge
// disconnected at that instant misses it, and the client learns it from GET /notifications
// (docs/api.md says to refetch the unread count on reconnect).
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { LIVE_EVENT_HEADER, LiveEvents, LiveSubjects, type Notification, type NotificationRemoved } from '#contracts';

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

  /** An unread notification gone, with the recipient's unread count after it; never throws either. */
  publishRemoved(recipientId: string, r: NotificationRemoved): void {
    try {
      const h = headers();
      h.set(LIVE_EVENT_HEADER, LiveEvents.notificationRemoved);
      this.nc.publish(LiveSubjects.notification(recipientId), JSON.stringify(r), { headers: h });
    } catch (err) {
      this.logger.warn({ err, notificationId: r.id, recipientId }, 'live publish of a removal failed');
    }
  }
}
