import { describe, expect, it } from 'vitest';
import { formatBytes, formatEvents, type EventsReport } from './events-view.js';

const report: EventsReport = {
  streams: [
    {
      name: 'EVENTS',
      subjects: ['events.>'],
      messages: 1234,
      bytes: 456_789,
      replicas: 3,
      currentReplicas: 3,
    },
    { name: 'DEADLETTER', subjects: ['deadletter.>'], messages: 2, bytes: 900, replicas: 1, currentReplicas: null },
  ],
  consumers: [
    {
      name: 'comments--events-posts-deleted',
      service: 'comments',
      subject: 'events.posts.deleted',
      pending: 17,
      ackPending: 1,
      redelivered: 1,
      waitingPulls: 0,
    },
    {
      name: 'likes--events-posts-deleted',
      service: 'likes',
      subject: 'events.posts.deleted',
      pending: 0,
      ackPending: 0,
      redelivered: 0,
      waitingPulls: 2,
    },
  ],
  deadLetters: { total: 2, bySubject: { 'deadletter.likes.events.posts.deleted': 2 } },
};

describe('mesh events', () => {
  it('prints streams, consumers (a silent one shows as not pulling) and dead letters', () => {
    expect(formatEvents(report)).toBe(
      [
        'streams',
        '  NAME        SUBJECTS      MESSAGES      BYTES  REPLICAS',
        '  EVENTS      events.>          1234  446.1 KiB  3/3 current',
        '  DEADLETTER  deadletter.>         2      900 B  1',
        '',
        'consumers',
        '  NAME                            SERVICE   SUBJECT               PENDING  ACK PENDING  REDELIVERED  PULLING',
        '  comments--events-posts-deleted  comments  events.posts.deleted       17            1            1  no',
        '  likes--events-posts-deleted     likes     events.posts.deleted        0            0            0  yes',
        '',
        'dead letters: 2',
        '  deadletter.likes.events.posts.deleted  2',
        '  (read them: nats stream view DEADLETTER)',
        '',
      ].join('\n'),
    );
  });

  it('says so when no service has created the streams yet', () => {
    expect(formatEvents({ streams: [], consumers: [], deadLetters: { total: 0, bySubject: {} } })).toBe(
      [
        'streams: none yet (no service that publishes or consumes events has started)',
        '',
        'consumers: none',
        '',
        'dead letters: 0',
        '',
      ].join('\n'),
    );
  });

  it('prints sizes in binary units', () => {
    expect([0, 1023, 1024, 5 * 1024 * 1024].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '5.0 MiB']);
  });
});
