import { describe, expect, it } from 'vitest';
import { ConfigError } from '#runtime';
import { loadIdentityConfig } from './identity.config.js';

describe('loadIdentityConfig', () => {
  it('defaults the schema and the token lifetime', () => {
    const c = loadIdentityConfig({ JWT_PRIVATE_KEY_FILE: '/keys/token-private.pem' });
    expect([c.IDENTITY_DB_SCHEMA, c.JWT_TTL_SECONDS, c.JWT_PRIVATE_KEY_FILE, c.JWT_PRIVATE_KEY]).toEqual([
      'identity',
      86_400,
      '/keys/token-private.pem',
      undefined,
    ]);
  });

  it('fails naming JWT_PRIVATE_KEY_FILE when no key is given', () => {
    expect(() => loadIdentityConfig({})).toThrow(
      new ConfigError(
        'invalid configuration:\n  JWT_PRIVATE_KEY_FILE: set JWT_PRIVATE_KEY_FILE (path to the Ed25519 token private key, PKCS#8 PEM) or JWT_PRIVATE_KEY',
      ),
    );
  });

  it('refuses a token lifetime under a minute and a schema name that is not an identifier', () => {
    expect(() => loadIdentityConfig({ JWT_PRIVATE_KEY: 'pem', JWT_TTL_SECONDS: '59' })).toThrow(/JWT_TTL_SECONDS/);
    expect(() => loadIdentityConfig({ JWT_PRIVATE_KEY: 'pem', IDENTITY_DB_SCHEMA: 'a"; drop' })).toThrow(
      /IDENTITY_DB_SCHEMA/,
    );
    expect(loadIdentityConfig({ JWT_PRIVATE_KEY: 'pem', JWT_TTL_SECONDS: '60' }).JWT_TTL_SECONDS).toBe(60);
  });
});
