// Tokens are verified here, with identity's public key, so signed-in users keep working while
// identity is down. Algorithm, issuer and audience are pinned: `alg: none` and tokens signed
// with any other key are refused. A token of a revoked session (logout, password change) is
// refused too: the edge's revocation list (revoked-sessions.ts) says which.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { jwtVerify } from 'jose';
import { ErrorCodes, MeshError, TokenAlgorithm, TokenAudience, TokenIssuer } from '#contracts';

export interface AuthUser {
  id: string;
  username: string;
  displayName: string;
  createdAt: string;
}

/** What a verified token says: who, which session, until when. */
export interface VerifiedToken {
  user: AuthUser;
  sessionId: string;
  expiresAtMs: number;
}

export function loadPublicKey(o: { file?: string; pem?: string }): KeyObject {
  const pem = o.pem ?? readFileSync(o.file!, 'utf8');
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error('JWT_PUBLIC_KEY(_FILE): expected an Ed25519 public key');
  }
  return key;
}

/** Verified tokens kept (until they expire) so a client's every request does not pay an EdDSA
 * verification again: measured at ~20% of the edge's CPU on signed-in reads without it. */
const CACHE_SIZE = 10_000;

const REFUSED = 'The token is missing, expired or not valid.';
export const SESSION_ENDED = 'The session has ended (signed out, or the password changed).';

export class TokenVerifier {
  private readonly verified = new Map<string, VerifiedToken>();

  /** `isRevoked`: whether a session has been revoked (checked on every request, cached or not). */
  constructor(
    private readonly publicKey: KeyObject,
    private readonly isRevoked: (sessionId: string) => boolean = () => false,
  ) {}

  async verify(token: string): Promise<VerifiedToken> {
    let found = this.verified.get(token);
    if (found && found.expiresAtMs <= Date.now()) {
      this.verified.delete(token);
      found = undefined;
    }
    if (!found) {
      found = await this.verifySignature(token);
      if (this.verified.size >= CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, found);
    }
    if (this.isRevoked(found.sessionId)) throw new MeshError(ErrorCodes.unauthenticated, SESSION_ENDED);
    return found;
  }

  private async verifySignature(token: string): Promise<VerifiedToken> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: [TokenAlgorithm],
        issuer: TokenIssuer,
        audience: TokenAudience,
        requiredClaims: ['sub', 'exp', 'sid'],
      });
      const { sub, sid, username, displayName, createdAt } = payload as Record<string, unknown>;
      if (
        typeof sub !== 'string' ||
        typeof sid !== 'string' ||
        typeof username !== 'string' ||
        typeof displayName !== 'string' ||
        typeof createdAt !== 'string'
      ) {
        throw new Error('missing claims');
      }
      const user = { id: sub, username, displayName, createdAt };
      return { user, sessionId: sid, expiresAtMs: payload.exp! * 1000 };
    } catch {
      throw new MeshError(ErrorCodes.unauthenticated, REFUSED);
    }
  }
}
