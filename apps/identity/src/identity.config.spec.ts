import { describe, expect, it } from 'vitest';
import { ConfigError } from '#runtime';
import { loadIdentityConfig } from './identity.config.js';

describe('loadIdentityConfig', () => {
  it('defaults the schema and the token lifetimes (15 min access, 30 days refresh)', () => {
    const c = loadIdentityConfig({ JWT_PRIVATE_KEY_FILE: '/keys/token-private.pem' });
    expect([
      c.IDENTITY_DB_SCHEMA,
      c.ACCESS_TOKEN_TTL_SECONDS,
      c.REFRESH_TOKEN_TTL_SECONDS,
      c.JWT_PRIVATE_KEY_FILE,
      c.JWT_PRIVATE_KEY,
    ]).toEqual(['identity', 900, 2_592_000, '/keys/token-private.pem', undefined]);
  });

  it('fails naming JWT_PRIVATE_KEY_FILE when no key is given', () => {
    expect(() => loadIdentityConfig({})).toThrow(
      new ConfigError(
        'invalid configuration:\n  JWT_PRIVATE_KEY_FILE: set JWT_PRIVATE_KEY_FILE (path to the Ed25519 token private key, PKCS#8 PEM) or JWT_PRIVATE_KEY',
      ),
    );
  });

  it('refuses an access token lifetime of 0 or over a day, and a schema name that is not an identifier', () => {
    expect(() => loadIdentityConfig({ JWT_PRIVATE_KEY: 'pem', ACCESS_TOKEN_TTL_SECONDS: '0' })).toThrow(
      /ACCESS_TOKEN_TTL_SECONDS/,
    );
    expect(() => loadIdentityConfig({ JWT_PRIVATE_KEY: 'pem', ACCESS_TOKEN_TTL_SECONDS: '86401' })).toThrow(
      /ACCESS_TOKEN_TTL_SECONDS/,
    );
    expect(() => loadIdentityConfig({ JWT_PRIVATE_KEY: 'pem', IDENTITY_DB_SCHEMA: 'a"; drop' })).toThrow(
      /IDENTITY_DB_SCHEMA/,
    );
    expect(loadIdentityConfig({ JWT_PRIVATE_KEY: 'pem', ACCESS_TOKEN_TTL_SECONDS: '3' }).ACCESS_TOKEN_TTL_SECONDS).toBe(
      3,
    );
  });
});
