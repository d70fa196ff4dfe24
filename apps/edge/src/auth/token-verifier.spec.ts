import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MeshError, TokenAudience, TokenIssuer } from '#contracts';
import { TokenVerifier } from './token-verifier.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const claims = { username: 'ann', displayName: 'Ann', createdAt: '2026-01-01T00:00:00.000Z' };
const SID = '22222222-2222-4222-8222-222222222222';
const sign = (key: KeyObject, expSeconds: number, sid: string | null = SID) =>
  new SignJWT(sid === null ? claims : { ...claims, sid })
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
    const expiresAtMs = (await verifier.verify(token)).expiresAtMs;
    expect(await verifier.verify(token)).toEqual({ user, sessionId: SID, expiresAtMs });
    const spy = vi.spyOn(verifier as unknown as { verifySignature: () => Promise<unknown> }, 'verifySignature');
    expect(await verifier.verify(token)).toEqual({ user, sessionId: SID, expiresAtMs });
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

  it('refuses a token of a revoked session, cached or not, and a token without a session', async () => {
    const revoked = new Set<string>();
    const verifier = new TokenVerifier(publicKey, (sid) => revoked.has(sid));
    const token = await sign(privateKey, 60);
    await verifier.verify(token);
    revoked.add(SID);
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: 'unauthenticated',
      message: 'The session has ended (signed out, or the password changed).',
    });
    await expect(new TokenVerifier(publicKey, (sid) => revoked.has(sid)).verify(token)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await expect(verifier.verify(await sign(privateKey, 60, null))).rejects.toMatchObject({
      code: 'unauthenticated',
      message: 'The token is missing, expired or not valid.',
    });
  });
});
