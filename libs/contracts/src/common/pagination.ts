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

/** The HTTP query of a list that takes nothing but a page: `?limit&cursor`. */
export const PageQuery = z.strictObject({ limit: PageLimit, cursor: Cursor.optional() });
export type PageQuery = z.infer<typeof PageQuery>;

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

/** NATS's default max_payload, the size every reply of the mesh is made to fit. */
export const NATS_MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * A page stops taking items before their JSON passes this, and says so with a nextCursor: a
 * page of 100 posts of 5000 three-byte characters is 1.5 MB, past max_payload, and the limits
 * that would make that fit (50 posts, or 3300 characters) would cost every reader or writer.
 * Half of max_payload leaves room for the reply's envelope with margin to spare.
 */
export const PAGE_BUDGET_BYTES = 512 * 1024;

/** The longest prefix of `items` whose JSON array fits `budgetBytes` — but never none. */
export function withinBudget<T>(items: readonly T[], budgetBytes: number = PAGE_BUDGET_BYTES): T[] {
  const out: T[] = [];
  let bytes = 2; // []
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1; // and its comma
    if (out.length > 0 && bytes + size > budgetBytes) break;
    out.push(item);
    bytes += size;
  }
  return out;
}

/**
 * A keyset page out of `rows`, asked for with `limit + 1` rows (the extra one says whether there
 * is more): at most `limit` items, and fewer when the next one would take their JSON past
 * `budgetBytes` — but never none, so a reader always moves on. `nextCursor` follows the last
 * item whenever any row was left out.
 */
export function keysetPage<T extends KeysetPosition>(
  rows: readonly T[],
  limit: number,
  budgetBytes: number = PAGE_BUDGET_BYTES,
): Page<T> {
  const items = withinBudget(rows.slice(0, limit), budgetBytes);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > items.length && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null;
  return { items, nextCursor };
}
