import { z } from 'zod';
import { Uuid } from '../common/ids.js';
import { textField } from '../common/text.js';

export const Username = z
  .string({ error: 'username must be a string' })
  .regex(/^[a-z0-9_]{3,32}$/, 'username must be 3-32 characters of a-z, 0-9 and _');
/**
 * One line, like every name: a control character in a password is a paste accident, never
 * typed; refused at sign-up, so no account has one, and at login (400, which says nothing about
 * any account), as it never matches a password anyone has.
 */
const passwordField = (field: string) =>
  textField(field, { multiline: false })
    .min(8, `${field} must be at least 8 characters`)
    .max(128, `${field} must be at most 128 characters`);
export const Password = passwordField('password');
export const DisplayName = textField('displayName', { multiline: false })
  .trim()
  .min(1, 'displayName must not be empty')
  .max(64, 'displayName must be at most 64 characters');

export const SignupRequest = z.strictObject({
  username: Username,
  password: Password,
  displayName: DisplayName.optional(),
});
export type SignupRequest = z.infer<typeof SignupRequest>;

export const LoginRequest = z.strictObject({
  username: textField('username', { multiline: false }).min(1).max(32),
  password: textField('password', { multiline: false }).min(1).max(128),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** Opaque: 32 random bytes, base64url (43 characters). */
export const RefreshToken = z
  .string({ error: 'refreshToken must be a string' })
  .regex(/^[A-Za-z0-9_-]{20,200}$/, 'refreshToken must be a refresh token as login gave it');

export const RefreshRequest = z.strictObject({ refreshToken: RefreshToken });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

/** What the edge sends identity for a logout: the session of the verified token. */
export const LogoutRequest = z.strictObject({ userId: Uuid, sessionId: Uuid });
export type LogoutRequest = z.infer<typeof LogoutRequest>;

/** The HTTP body of `POST /auth/password`. */
export const ChangePasswordBody = z.strictObject({
  currentPassword: textField('currentPassword', { multiline: false }).min(1).max(128),
  newPassword: passwordField('newPassword'),
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

/** What the edge sends identity: the body plus the verified token's user and session. */
export const ChangePasswordRequest = ChangePasswordBody.extend({ userId: Uuid, sessionId: Uuid });
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

export interface LogoutReply {
  /** How many sessions this ended (0 when it had ended already). */
  revoked: number;
}

export const GetUserRequest = z.strictObject({ id: Uuid });
export type GetUserRequest = z.infer<typeof GetUserRequest>;

export const LookupUserRequest = z.strictObject({ username: Username });
export type LookupUserRequest = z.infer<typeof LookupUserRequest>;

export interface UserDto {
  id: string;
  username: string;
  displayName: string;
  createdAt: string;
}

export interface AuthReply {
  user: UserDto;
  /** The access token (`Authorization: Bearer`), valid for `expiresIn` seconds. */
  token: string;
  /** Single use: `POST /auth/refresh` answers a new one with the next access token. */
  refreshToken: string;
  expiresIn: number;
}

/** Claims of an access token; the edge serves `/users/me` from them when identity is down. */
export interface TokenClaims {
  sub: string;
  /** The session the token belongs to: revoking it refuses the token at every edge. */
  sid: string;
  username: string;
  displayName: string;
  createdAt: string;
}

/** Tokens are EdDSA (Ed25519) JWTs: identity signs with the private key, the edge verifies. */
export const TokenIssuer = 'failsoft-identity';
export const TokenAudience = 'failsoft';
export const TokenAlgorithm = 'EdDSA';
