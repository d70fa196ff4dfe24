import { describe, expect, it } from 'vitest';
import { eventsEnv, outboxEnv, parseEnv, z } from './env.js';

const EventsAndOutbox = z.object({ ...eventsEnv, ...outboxEnv });

describe('events and outbox config', () => {
  it('has defaults for a single nats-server', () => {
    expect(parseEnv(EventsAndOutbox, {})).toEqual({
      EVENTS_STREAM_REPLICAS: 1,
      EVENTS_MAX_DELIVER: 5,
      EVENTS_ACK_WAIT_MS: 10_000,
      EVENTS_RETRY_BACKOFF_MS: 500,
      EVENTS_CONCURRENCY: 16,
      OUTBOX_RELAY_ENABLED: true,
      OUTBOX_POLL_MS: 500,
    });
  });

  it('reads a 3-node cluster and a replica with its relay off', () => {
    expect(parseEnv(EventsAndOutbox, { EVENTS_STREAM_REPLICAS: '3', OUTBOX_RELAY_ENABLED: 'false' })).toMatchObject({
      EVENTS_STREAM_REPLICAS: 3,
      OUTBOX_RELAY_ENABLED: false,
    });
  });

  it('fails at start naming the variable', () => {
    expect(() => parseEnv(EventsAndOutbox, { OUTBOX_RELAY_ENABLED: 'maybe' })).toThrow(
      /OUTBOX_RELAY_ENABLED: must be true or false/,
    );
    expect(() => parseEnv(EventsAndOutbox, { EVENTS_STREAM_REPLICAS: '7' })).toThrow(/EVENTS_STREAM_REPLICAS/);
    expect(() => parseEnv(EventsAndOutbox, { EVENTS_ACK_WAIT_MS: '10' })).toThrow(/EVENTS_ACK_WAIT_MS/);
  });
});
