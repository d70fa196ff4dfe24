// Work nobody waits for is never done: every statement a replica sends to PostgreSQL first
// checks the deadline of the request it serves (requestContext's, from MeshHeaders.deadline),
// and one whose caller has given up fails at once with QueryDeadlineExpired instead of reaching
// the database. Installed on the pg pool under the data source, so TypeORM's queries and the
// raw hot reads (pgPool) are both covered; statements that end a transaction (COMMIT, ROLLBACK,
// RELEASE) always pass, so a connection is never left inside one.
import type pg from 'pg';
import { deadlineCounters, requestContext } from '#runtime';

export class QueryDeadlineExpired extends Error {
  readonly code = 'deadline_expired';
  constructor(readonly overdueMs: number) {
    super(`the request's deadline passed ${overdueMs} ms before this query; it was not sent`);
    this.name = 'QueryDeadlineExpired';
  }
}

const ENDS_TRANSACTION = /^\s*(commit|rollback|release|end|abort)\b/i;

type Query = (...args: unknown[]) => unknown;

/** The statement's text, whether given as a string or a query config ({ text, name, values }). */
function textOf(first: unknown): string | undefined {
  if (typeof first === 'string') return first;
  const t = (first as { text?: unknown } | null)?.text;
  return typeof t === 'string' ? t : undefined;
}

/** Installs the check on every client of `pool`, present and future. */
export function checkQueryDeadlines(pool: pg.Pool): void {
  const guarded = new WeakSet<object>();
  const guard = (client: pg.ClientBase) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    const query = client.query.bind(client) as Query;
    (client as unknown as { query: Query }).query = (...args: unknown[]) => {
      const deadline = requestContext.getStore()?.deadline;
      if (deadline === undefined) return query(...args);
      const overdue = Date.now() - deadline;
      const first = args[0];
      // A submittable (cursor, stream) reports through itself; transaction ends always pass.
      if (overdue <= 0 || typeof (first as { submit?: unknown })?.submit === 'function') return query(...args);
      const text = textOf(first);
      if (text !== undefined && ENDS_TRANSACTION.test(text)) return query(...args);
      deadlineCounters.expiredBeforeQuery++;
      const err = new QueryDeadlineExpired(overdue);
      const callback = args[args.length - 1];
      if (typeof callback === 'function') {
        process.nextTick(callback, err);
        return undefined;
      }
      return Promise.reject(err);
    };
  };
  // A caller waiting for a free connection is handed it later, from whichever code released one:
  // called back inside the caller's request context, the check reads the caller's deadline, not
  // the releaser's. Only that context is carried over: AsyncResource.bind, which carries them
  // all, costs an async resource (and, on Node 20, a deprecation wrapper) per connect — a
  // measurable share of a replica's CPU when every request connects.
  const connect = pool.connect.bind(pool) as (cb?: (...a: unknown[]) => void) => unknown;
  (pool as unknown as { connect: typeof connect }).connect = (cb?: (...a: unknown[]) => void) => {
    if (!cb) return connect();
    const store = requestContext.getStore();
    return connect(store === undefined ? cb : (...a: unknown[]) => requestContext.run(store, () => cb(...a)));
  };
  pool.on('connect', guard);
  pool.on('acquire', guard);
  for (const client of (pool as unknown as { _clients?: pg.ClientBase[] })._clients ?? []) guard(client);
}
