// The rate-limit budgets of the edge: route name → points per window, counted per account (a
// signed-in write), per client IP (anonymous work), or per submitted username (login, sign-up).
// Each default can be changed with RATE_LIMIT_<NAME> ("30/5m"), parsed in edge.config.ts.
import { RateLimitBucket } from '#contracts';

export type BudgetKey = 'account' | 'ip' | 'username';

export interface Budget {
  /** Requests admitted per window. */
  points: number;
  /** The window, in ms (a fixed window that starts with its first request). */
  windowMs: number;
}

export interface BudgetDefinition {
  key: BudgetKey;
  /** The default, as RATE_LIMIT_<NAME> takes it. */
  default: string;
  /** Which route(s) spend it, for the docs table. */
  routes: string;
}

export const Budgets = {
  'auth.login.ip': { key: 'ip', default: '25/5m', routes: 'POST /auth/login' },
  'auth.login.username': { key: 'username', default: '10/5m', routes: 'POST /auth/login' },
  'auth.signup.ip': { key: 'ip', default: '10/30m', routes: 'POST /auth/signup' },
  'auth.signup.username': { key: 'username', default: '5/5m', routes: 'POST /auth/signup' },
  'auth.refresh.ip': { key: 'ip', default: '120/5m', routes: 'POST /auth/refresh' },
  'auth.password': { key: 'account', default: '5/15m', routes: 'POST /auth/password' },
  'auth.logout': { key: 'account', default: '30/5m', routes: 'POST /auth/logout' },
  'events.ticket': { key: 'account', default: '60/5m', routes: 'POST /events/ticket' },
  'follows.write': { key: 'account', default: '120/5m', routes: 'PUT, DELETE /users/:username/follow' },
  'posts.create': { key: 'account', default: '30/5m', routes: 'POST /posts' },
  'comments.create': { key: 'account', default: '60/5m', routes: 'POST /posts/:id/comments' },
  'likes.write': { key: 'account', default: '120/5m', routes: 'PUT, DELETE /posts/:id/like' },
  'notifications.read': { key: 'account', default: '120/5m', routes: 'POST /notifications/read' },
  'messages.send': { key: 'account', default: '60/5m', routes: 'POST /messages' },
  'media.upload': { key: 'account', default: '30/30m', routes: 'POST /media' },
  'reads.anonymous': { key: 'ip', default: '600/1m', routes: 'every GET without a verified token' },
} as const satisfies Record<string, BudgetDefinition>;

export type BudgetName = keyof typeof Budgets;
export const BudgetNames = Object.keys(Budgets) as BudgetName[];

/** `auth.login.ip` → `RATE_LIMIT_AUTH_LOGIN_IP`. */
export const budgetEnvName = (name: BudgetName) => `RATE_LIMIT_${name.toUpperCase().replace(/\./g, '_')}`;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * "30/5m" → 30 points per 5 minutes (units ms, s, m, h). The window may not outlive the keys of
 * the shared bucket (RateLimitBucket.ttlMs), and must be at least a second.
 */
export function parseBudget(text: string): Budget | string {
  const m = /^\s*([1-9][0-9]{0,8})\s*\/\s*([1-9][0-9]{0,8})\s*(ms|s|m|h)\s*$/.exec(text);
  if (!m) return `"${text}" is not <points>/<window>, e.g. 30/5m (units ms, s, m, h)`;
  const points = Number(m[1]);
  const windowMs = Number(m[2]) * UNIT_MS[m[3] as keyof typeof UNIT_MS];
  if (windowMs < 1000) return `"${text}": the window must be at least 1s`;
  if (windowMs > RateLimitBucket.ttlMs)
    return `"${text}": the window must be at most ${RateLimitBucket.ttlMs / 60_000}m`;
  return { points, windowMs };
}

/** A budget as a human reads it: "30 per 5 min". */
export function describeBudget(b: Budget): string {
  const w = b.windowMs;
  const unit = w % 3_600_000 === 0 ? [w / 3_600_000, 'h'] : w % 60_000 === 0 ? [w / 60_000, 'min'] : [w / 1000, 's'];
  return `${b.points} per ${unit[0]} ${unit[1]}`;
}
