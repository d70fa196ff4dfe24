// Where a consuming service puts an event it gave up on: the same bytes, on
// `deadletter.<service>.<subject>` in the DEADLETTER stream, with headers saying why — then the
// original is terminated, so the consumer moves on. `nats stream view DEADLETTER` or
// `npm run mesh -- events` show them to an operator.
import { headers } from '@nats-io/transport-node';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { deadLetterSubject } from '#contracts';
import { DEADLETTER_STREAM } from './event-streams.js';

export const DeadLetterHeaders = {
  /** `failed` (the handler threw on its last attempt), `unfinished` (no attempt finished), `invalid`. */
  reason: 'Failsoft-Dead-Reason',
  /** The last error's message. */
  error: 'Failsoft-Dead-Error',
  attempts: 'Failsoft-Dead-Attempts',
  service: 'Failsoft-Dead-Service',
  subject: 'Failsoft-Original-Subject',
  streamSequence: 'Failsoft-Original-Sequence',
} as const;

export type DeadLetterReason = 'failed' | 'unfinished' | 'invalid';

export interface DeadLetterInfo {
  service: string;
  subject: string;
  streamSequence: number;
  attempt: number;
  reason: DeadLetterReason;
  error: string;
}

/** How long a failed dead-letter publish waits before the event is offered again. */
const RETRY_DEAD_LETTER_MS = 5_000;

export async function deadLetter(js: JetStreamClient, m: JsMsg, d: DeadLetterInfo, log: Logger): Promise<void> {
  const h = headers();
  h.set(DeadLetterHeaders.reason, d.reason);
  // Header values are one line; an error message may not be.
  h.set(DeadLetterHeaders.error, d.error.replace(/[\r\n]+/g, ' ').slice(0, 1000));
  h.set(DeadLetterHeaders.attempts, String(d.attempt));
  h.set(DeadLetterHeaders.service, d.service);
  h.set(DeadLetterHeaders.subject, m.subject);
  h.set(DeadLetterHeaders.streamSequence, String(d.streamSequence));
  try {
    await js.publish(deadLetterSubject(d.service, m.subject), m.data, {
      headers: h,
      // A replica that dies between this publish and the term below dead-letters it again: the
      // stream's duplicate window drops the second copy.
      msgID: `${d.service}:${m.info.stream}:${d.streamSequence}`,
      expect: { streamName: DEADLETTER_STREAM },
      timeout: 2000,
    });
  } catch (err) {
    // Not dead-lettered, so not terminated either: it comes back and is dead-lettered then.
    log.error({ ...d, err }, 'could not dead-letter an event; it will be offered again');
    m.nak(RETRY_DEAD_LETTER_MS);
    return;
  }
  // No reason argument: nats-server 2.9 ignores a `+TERM <reason>` (2.10 added the reason), which
  // would leave the event to come back after every ack wait. The reason is in the headers above.
  m.term();
  log.error({ ...d }, 'event dead-lettered');
}
