import { describe, expect, it } from 'vitest';
import { ConfigError } from '#runtime';
import { loadEdgeConfig } from './edge.config.js';
import { httpTimeouts } from './http/http-timeouts.js';

const KEY = { JWT_PUBLIC_KEY: 'pem' };

describe('the edge timeouts for slow clients', () => {
  it('default to 60 s for a request, 10 s for its headers, 30 s idle', () => {
    const c = loadEdgeConfig(KEY);
    expect([c.REQUEST_TIMEOUT_MS, c.HEADERS_TIMEOUT_MS, c.CONNECTION_TIMEOUT_MS]).toEqual([60_000, 10_000, 30_000]);
    const { clientErrorHandler, ...options } = httpTimeouts(c);
    expect(typeof clientErrorHandler).toBe('function');
    expect(options).toEqual({
      requestTimeout: 60_000,
      connectionTimeout: 30_000,
      http: { requestTimeout: 60_000, headersTimeout: 10_000, connectionsCheckingInterval: 1000 },
    });
  });

  it('refuses headers slower than the request, and an idle timeout that would cut GET /events', () => {
    expect(() => loadEdgeConfig({ ...KEY, REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '6000' })).toThrow(
      new ConfigError(
        'invalid configuration:\n  HEADERS_TIMEOUT_MS: HEADERS_TIMEOUT_MS must not be above REQUEST_TIMEOUT_MS (the headers are part of the request)',
      ),
    );
    expect(() => loadEdgeConfig({ ...KEY, CONNECTION_TIMEOUT_MS: '15000' })).toThrow(
      new ConfigError(
        'invalid configuration:\n  CONNECTION_TIMEOUT_MS: CONNECTION_TIMEOUT_MS must be above SSE_KEEPALIVE_MS, or every idle GET /events stream would be cut',
      ),
    );
    expect(() => loadEdgeConfig({ ...KEY, REQUEST_TIMEOUT_MS: '0' })).toThrow(/REQUEST_TIMEOUT_MS/);
  });
});

describe('the edge sessions and stream caps', () => {
  it('default to 15-minute tokens, 30-second tickets, 5 streams per account and 1000 per replica', () => {
    const c = loadEdgeConfig(KEY);
    expect([
      c.ACCESS_TOKEN_TTL_SECONDS,
      c.EVENT_TICKET_TTL_SECONDS,
      c.EVENTS_STREAMS_PER_ACCOUNT,
      c.EVENTS_STREAMS_PER_REPLICA,
    ]).toEqual([900, 30, 5, 1000]);
  });

  it('refuses a ticket life past the bucket TTL (60 s) and a cap of 0', () => {
    expect(() => loadEdgeConfig({ ...KEY, EVENT_TICKET_TTL_SECONDS: '61' })).toThrow(/EVENT_TICKET_TTL_SECONDS/);
    expect(() => loadEdgeConfig({ ...KEY, EVENTS_STREAMS_PER_ACCOUNT: '0' })).toThrow(/EVENTS_STREAMS_PER_ACCOUNT/);
  });
});
