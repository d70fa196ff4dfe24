// Tokens are verified here, with identity's public key, so signed-in users keep working while
// identity is down. Algorithm, issuer and audience are pinned: `alg: none` and tokens signed
// with any other key are refused.
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

export function loadPublicKey(o: { file?: string; pem?: string }): KeyObject {
  const pem = o.pem ?? readFileSync(o.file!, 'utf8');
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error('JWT_PUBLIC_KEY(_FILE): expected an Ed25519 public key');
  }
  return key;
}

export class TokenVerifier {
  constructor(private readonly publicKey: KeyObject) {}

  async verify(token: string): Promise<AuthUser> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: [TokenAlgorithm],
        issuer: TokenIssuer,
        audience: TokenAudience,
        requiredClaims: ['sub', 'exp'],
      });
      const { sub, username, displayName, createdAt } = payload as Record<string, unknown>;
      if (
        typeof sub !== 'string' ||
        typeof username !== 'string' ||
        typeof displayName !== 'string' ||
        typeof createdAt !== 'string'
      ) {
        throw new Error('missing claims');
      }
      return { id: sub, username, displayName, createdAt };
    } catch {
      throw new MeshError(ErrorCodes.unauthenticated, 'The token is missing, expired or not valid.');
    }
  }
}
