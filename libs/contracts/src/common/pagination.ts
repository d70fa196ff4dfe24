import { z } from 'zod';
import { ErrorCodes, MeshError } from '../error-codes.js';

export const PageLimit = z.coerce
  .number({ error: 'limit must be a number from 1 to 100' })
  .int('limit must be an integer')
  .min(1, 'limit must be at least 1')
  .max(100, 'limit must be at most 100')
  .default(20);

/** base64url only (what encodeCursor writes): anything else is refused before it is decoded. */
export const Cursor = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9_-]+$/, 'cursor is not one this API gave out');

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A keyset position: the (createdAt, id) of the last item of a page. */
export interface KeysetPosition {
  createdAt: string;
  id: string;
}

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque to clients: base64url of `createdAt|id`. */
export function encodeCursor(pos: KeysetPosition): string {
  return Buffer.from(`${pos.createdAt}|${pos.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): KeysetPosition {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const [createdAt, id, extra] = raw.split('|');
  if (
    extra !== undefined ||
    !createdAt ||
    !id ||
    !uuidRe.test(id) ||
    Number.isNaN(Date.parse(createdAt)) ||
    new Date(createdAt).toISOString() !== createdAt
  ) {
    throw new MeshError(ErrorCodes.invalid, 'The request is not valid.', [
      { field: 'cursor', message: 'cursor is not one this API gave out' },
    ]);
  }
  return { createdAt, id };
}
