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
export const Password = textField('password', { multiline: false })
  .min(8, 'password must be at least 8 characters')
  .max(128, 'password must be at most 128 characters');
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
  token: string;
}

/** Claims of an access token; the edge serves `/users/me` from them when identity is down. */
export interface TokenClaims {
  sub: string;
  username: string;
  displayName: string;
  createdAt: string;
}

/** Tokens are EdDSA (Ed25519) JWTs: identity signs with the private key, the edge verifies. */
export const TokenIssuer = 'failsoft-identity';
export const TokenAudience = 'failsoft';
export const TokenAlgorithm = 'EdDSA';
