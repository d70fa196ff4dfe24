// Access tokens: EdDSA (Ed25519) JWTs signed with identity's private key. The edge verifies
// them with the public key alone, so signed-in users keep working while identity is down.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { TokenAlgorithm, TokenAudience, TokenIssuer, type TokenClaims, type UserDto } from '#contracts';
import { ConfigError } from '#runtime';

/**
 * The signing key, from the PEM itself (`JWT_PRIVATE_KEY`, preferred as at the edge) or a file
 * read once (`JWT_PRIVATE_KEY_FILE`). Fails naming the variable, so a bad deployment stops at
 * start instead of at the first signup.
 */
export function loadPrivateKey(o: { pem?: string; file?: string }): KeyObject {
  const variable = o.pem !== undefined ? 'JWT_PRIVATE_KEY' : 'JWT_PRIVATE_KEY_FILE';
  let pem: string;
  if (o.pem !== undefined) {
    pem = o.pem;
  } else if (o.file !== undefined) {
    try {
      pem = readFileSync(o.file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `${variable}: cannot read ${o.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  } else {
    throw new ConfigError('JWT_PRIVATE_KEY_FILE: set JWT_PRIVATE_KEY_FILE or JWT_PRIVATE_KEY');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    // The parser's message could quote parts of the key: keep it out of logs.
    throw new ConfigError(`${variable}: not a PEM private key (expected PKCS#8 Ed25519)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError(`${variable}: expected an Ed25519 private key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

export class TokenSigner {
  constructor(
    private readonly privateKey: KeyObject,
    private readonly ttlSeconds: number,
  ) {}

  /** A token whose claims let the edge serve `/users/me` without asking identity. */
  sign(user: UserDto, sessionId: string, now: Date = new Date()): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    const claims: Omit<TokenClaims, 'sub'> = {
      sid: sessionId,
      username: user.username,
      displayName: user.displayName,
      createdAt: user.createdAt,
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: TokenAlgorithm, typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(TokenIssuer)
      .setAudience(TokenAudience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(this.privateKey);
  }
}
