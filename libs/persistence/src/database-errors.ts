import type { DataSource } from 'typeorm';
import { ErrorCodes, MeshError } from '#contracts';
import { QueryDeadlineExpired } from './query-deadline.js';

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
  // Never sent: the caller had given up. What it is told hardly matters; it is not a fault.
  if (inner instanceof QueryDeadlineExpired) return new MeshError(ErrorCodes.timeout, inner.message);
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

/** Why a database could not be opened, in words an operator can act on. */
export interface DatabaseFailure {
  /**
   * `database 127.0.0.1:5999/failsoft unreachable: ECONNREFUSED 127.0.0.1:5999`, or
   * `database 127.0.0.1:5432/failsoft not ready: database "failsoft" does not exist`.
   */
  state: string;
  /** Where it was tried, without credentials: `127.0.0.1:5999/failsoft`. */
  target: string;
}

/**
 * The failure of an attempt to open `ds`, short: the driver's code and the address it tried for
 * a network error, the server's message for one PostgreSQL sent (a missing database, a refused
 * password), else the error's message. "unreachable" when it classifies as unavailable (the
 * database is not there); "not ready" otherwise (it is there but refuses this service).
 */
export function describeDatabaseFailure(err: unknown, ds: DataSource): DatabaseFailure {
  const unreachable = classifyDatabaseError(err) !== undefined;
  const target = databaseTarget(ds);
  return { state: `database ${target} ${unreachable ? 'unreachable' : 'not ready'}: ${summary(err)}`, target };
}

function summary(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; address?: unknown; port?: unknown; hostname?: unknown };
  const inner = err instanceof AggregateError ? ((err.errors[0] ?? {}) as typeof e) : e;
  const code = typeof e.code === 'string' ? e.code : typeof inner.code === 'string' ? inner.code : '';
  if (/^E[A-Z0-9_]+$/.test(code)) {
    const where =
      typeof inner.address === 'string'
        ? ` ${inner.address}${typeof inner.port === 'number' ? `:${inner.port}` : ''}`
        : typeof inner.hostname === 'string'
          ? ` ${inner.hostname}`
          : '';
    return `${code}${where}`;
  }
  const message = typeof e.message === 'string' && e.message ? e.message : String(err);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

/** `host:port/database` of a data source: what it connects to, never who as or with what password. */
export function databaseTarget(ds: DataSource): string {
  const o = ds.options as { url?: string; host?: string; port?: number; database?: string };
  let host = o.host ?? 'localhost';
  let port = o.port ?? 5432;
  let database = o.database ?? '';
  if (o.url) {
    try {
      const u = new URL(o.url);
      host = u.hostname || host;
      port = u.port ? Number(u.port) : port;
      database = decodeURIComponent(u.pathname.replace(/^\//, '')) || database;
    } catch {
      return 'an unparsable DATABASE_URL';
    }
  }
  return `${host}:${port}/${database}`;
}
