import { ErrorCodes, MeshError } from '#contracts';

// SQLSTATE classes and driver errors that mean "the database is not there right now".
const UNAVAILABLE_SQLSTATES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006', // connection exceptions
  '57P01',
  '57P02',
  '57P03', // admin shutdown, crash shutdown, cannot connect now
  '57014', // query cancelled (statement_timeout)
  '53300', // too many connections
]);
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection is not established',
  'the database system is',
  'is not currently accepting connections',
];

/** Maps a database failure to `unavailable` (503 at the edge) instead of an internal error. */
export function classifyDatabaseError(err: unknown): MeshError | undefined {
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown } | null;
  if (!e || typeof e !== 'object') return undefined;
  const inner = (e.driverError ?? e) as { code?: unknown; message?: unknown };
  const code = typeof inner.code === 'string' ? inner.code : typeof e.code === 'string' ? e.code : '';
  const message = typeof inner.message === 'string' ? inner.message : typeof e.message === 'string' ? e.message : '';
  if (
    UNAVAILABLE_SQLSTATES.has(code) ||
    UNAVAILABLE_NODE_CODES.has(code) ||
    UNAVAILABLE_MESSAGES.some((m) => message.includes(m))
  ) {
    return new MeshError(ErrorCodes.unavailable, 'the database is unavailable');
  }
  return undefined;
}

/** PostgreSQL's unique_violation, for turning a race on a unique key into a 409. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown; driverError?: { code?: unknown; constraint?: unknown } };
  const inner = e?.driverError ?? e;
  return inner?.code === '23505' && (constraint === undefined || inner.constraint === constraint);
}
