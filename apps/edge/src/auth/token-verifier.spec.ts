import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MeshError, TokenAudience, TokenIssuer } from '#contracts';
import { TokenVerifier } from './token-verifier.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const claims = { username: 'ann', displayName: 'Ann', createdAt: '2026-01-01T00:00:00.000Z' };
const sign = (key: KeyObject, expSeconds: number) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject('11111111-1111-4111-8111-111111111111')
    .setIssuer(TokenIssuer)
    .setAudience(TokenAudience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds)
    .sign(key);

afterEach(() => vi.useRealTimers());

describe('TokenVerifier', () => {
  it('verifies once, then answers from its cache until the token expires', async () => {
    const verifier = new TokenVerifier(publicKey);
    const token = await sign(privateKey, 60);
    const user = { id: '11111111-1111-4111-8111-111111111111', ...claims };
    expect(await verifier.verify(token)).toEqual(user);
    const spy = vi.spyOn(verifier as unknown as { verifySignature: () => Promise<unknown> }, 'verifySignature');
    expect(await verifier.verify(token)).toEqual(user);
    expect(spy).not.toHaveBeenCalled();

    vi.useFakeTimers({ now: Date.now() + 61_000 });
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(MeshError);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('never lets a tampered or foreign token through the cache', async () => {
    const verifier = new TokenVerifier(publicKey);
    const token = await sign(privateKey, 60);
    await verifier.verify(token);
    const [h, p, s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, username: 'root' })).toString('base64url')}.${s}`;
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'unauthenticated' });
    const foreign = await sign(generateKeyPairSync('ed25519').privateKey, 60);
    await expect(verifier.verify(foreign)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(p).toBeDefined();
  });
});
