import { describe, expect, it } from 'vitest';
import { eventsEnv, outboxEnv, parseEnv, z } from './env.js';

const EventsAndOutbox = z.object({ ...eventsEnv, ...outboxEnv });

describe('events and outbox config', () => {
  it('has defaults for a single nats-server', () => {
    expect(parseEnv(EventsAndOutbox, {})).toEqual({
      EVENTS_MAX_DELIVER: 5,
      EVENTS_RETRY_BACKOFF_MS: 500,
      EVENTS_CONCURRENCY: 16,
      OUTBOX_RELAY_ENABLED: true,
      OUTBOX_POLL_MS: 500,
      OUTBOX_AUDIT_MS: 5000,
    });
  });

  it("reads a replica with its relay off; the layout's settings are not a service's", () => {
    const c = parseEnv(EventsAndOutbox, { EVENTS_STREAM_REPLICAS: '3', OUTBOX_RELAY_ENABLED: 'false' });
    expect(c).toMatchObject({ OUTBOX_RELAY_ENABLED: false });
    expect(c).not.toHaveProperty('EVENTS_STREAM_REPLICAS');
  });

  it('fails at start naming the variable', () => {
    expect(() => parseEnv(EventsAndOutbox, { OUTBOX_RELAY_ENABLED: 'maybe' })).toThrow(
      /OUTBOX_RELAY_ENABLED: must be true or false/,
    );
    expect(() => parseEnv(EventsAndOutbox, { EVENTS_MAX_DELIVER: '0' })).toThrow(/EVENTS_MAX_DELIVER/);
  });
});
