import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenAlgorithm, TokenAudience, TokenIssuer, type UserDto } from '#contracts';
import { ConfigError } from '#runtime';
import { loadPrivateKey, TokenSigner } from './token-signer.js';

const pems = () =>
  generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
const pinned = { algorithms: [TokenAlgorithm], issuer: TokenIssuer, audience: TokenAudience };

const user: UserDto = {
  id: '0b6f5a53-3f5e-4c4e-9d43-6f1d8f0c2a11',
  username: 'alice',
  displayName: 'Alice A.',
  createdAt: '2026-01-02T03:04:05.678Z',
};

const SID = '22222222-2222-4222-8222-222222222222';

describe('TokenSigner', () => {
  it('signs an EdDSA JWT the public key verifies, carrying the user, the session and the TTL', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const now = new Date();
    const token = await new TokenSigner(privateKey, 3600).sign(user, SID, now);
    const iat = Math.floor(now.getTime() / 1000);
    const { payload, protectedHeader } = await jwtVerify(token, publicKey, pinned);
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    expect(payload).toEqual({
      sub: user.id,
      sid: SID,
      username: 'alice',
      displayName: 'Alice A.',
      createdAt: '2026-01-02T03:04:05.678Z',
      iss: 'failsoft-identity',
      aud: 'failsoft',
      iat,
      exp: iat + 3600,
    });
  });

  it('is refused by another key pair', async () => {
    const signer = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const token = await new TokenSigner(signer.privateKey, 3600).sign(user, SID);
    await expect(jwtVerify(token, other.publicKey, pinned)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  it('is refused once expired', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const token = await new TokenSigner(privateKey, 60).sign(user, SID, new Date(Date.now() - 61_000));
    expect(decodeProtectedHeader(token).alg).toBe('EdDSA');
    await expect(jwtVerify(token, publicKey, pinned)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });
});

describe('loadPrivateKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'identity-keys-'));

  it('loads a PKCS#8 Ed25519 PEM given inline or as a file', () => {
    const { privateKey } = pems();
    const file = join(dir, 'ok.pem');
    writeFileSync(file, privateKey);
    expect(loadPrivateKey({ pem: privateKey }).asymmetricKeyType).toBe('ed25519');
    expect(loadPrivateKey({ file }).asymmetricKeyType).toBe('ed25519');
  });

  it('fails naming the variable when the key is missing, unreadable, not a key or not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const cases: Array<[{ pem?: string; file?: string }, string]> = [
      [{}, 'JWT_PRIVATE_KEY_FILE: set JWT_PRIVATE_KEY_FILE or JWT_PRIVATE_KEY'],
      [{ file: join(dir, 'missing.pem') }, `JWT_PRIVATE_KEY_FILE: cannot read ${join(dir, 'missing.pem')}: ENOENT`],
      [{ pem: 'not a key' }, 'JWT_PRIVATE_KEY: not a PEM private key (expected PKCS#8 Ed25519)'],
      [{ pem: pems().publicKey }, 'JWT_PRIVATE_KEY: not a PEM private key (expected PKCS#8 Ed25519)'],
      [{ pem: rsa.privateKey }, 'JWT_PRIVATE_KEY: expected an Ed25519 private key, got rsa'],
    ];
    for (const [input, message] of cases) {
      expect(() => loadPrivateKey(input)).toThrow(new ConfigError(message));
    }
  });
});
