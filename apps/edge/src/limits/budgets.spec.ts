import { describe, expect, it } from 'vitest';
import { ConfigError } from '#runtime';
import { budgetsOf, loadEdgeConfig } from '../edge.config.js';
import { budgetEnvName, BudgetNames, Budgets, describeBudget, parseBudget } from './budgets.js';
import { loginDelayMs, loginWaitMs } from './login-delay.js';

describe('rate-limit budgets', () => {
  it('parse "<points>/<window>" with units ms, s, m, h', () => {
    expect(parseBudget('30/5m')).toEqual({ points: 30, windowMs: 300_000 });
    expect(parseBudget(' 600 / 1m ')).toEqual({ points: 600, windowMs: 60_000 });
    expect(parseBudget('5/1500ms')).toEqual({ points: 5, windowMs: 1500 });
    expect(parseBudget('1/1h')).toEqual({ points: 1, windowMs: 3_600_000 });
    expect(parseBudget('10/30s')).toEqual({ points: 10, windowMs: 30_000 });
  });

  it('refuse what is not one, a window under 1 s, and one longer than the shared keys live', () => {
    expect(parseBudget('30')).toBe('"30" is not <points>/<window>, e.g. 30/5m (units ms, s, m, h)');
    expect(parseBudget('0/5m')).toBe('"0/5m" is not <points>/<window>, e.g. 30/5m (units ms, s, m, h)');
    expect(parseBudget('3/5d')).toBe('"3/5d" is not <points>/<window>, e.g. 30/5m (units ms, s, m, h)');
    expect(parseBudget('3/500ms')).toBe('"3/500ms": the window must be at least 1s');
    expect(parseBudget('3/2h')).toBe('"3/2h": the window must be at most 60m');
  });

  it('each has its RATE_LIMIT_<NAME> variable, defaulting to the table', () => {
    const c = loadEdgeConfig({ JWT_PUBLIC_KEY: 'pem' });
    const budgets = budgetsOf(c);
    for (const name of BudgetNames) expect(budgets[name]).toEqual(parseBudget(Budgets[name].default));
    expect(budgetEnvName('auth.login.ip')).toBe('RATE_LIMIT_AUTH_LOGIN_IP');
    const set = loadEdgeConfig({ JWT_PUBLIC_KEY: 'pem', RATE_LIMIT_POSTS_CREATE: '3/10s' });
    expect(budgetsOf(set)['posts.create']).toEqual({ points: 3, windowMs: 10_000 });
    expect(describeBudget(budgetsOf(set)['posts.create'])).toBe('3 per 10 s');
    expect(describeBudget(budgets['media.upload'])).toBe('30 per 30 min');
  });

  it('a bad one stops the edge, naming the variable', () => {
    expect(() => loadEdgeConfig({ JWT_PUBLIC_KEY: 'pem', RATE_LIMIT_MESSAGES_SEND: 'lots' })).toThrow(
      new ConfigError(
        'invalid configuration:\n  RATE_LIMIT_MESSAGES_SEND: "lots" is not <points>/<window>, e.g. 30/5m (units ms, s, m, h)',
      ),
    );
  });
});

describe('the login delay', () => {
  const p = { freeFailures: 5, baseMs: 1000, maxMs: 8000 };

  it('is free for the first failures, then doubles from the base up to the ceiling', () => {
    expect([0, 1, 5, 6, 7, 8, 9, 10, 50, 5000].map((n) => loginDelayMs(n, p))).toEqual([
      0, 0, 0, 1000, 2000, 4000, 8000, 8000, 8000, 8000,
    ]);
  });

  it('counts from the last failure: never more than the ceiling, so never a lockout', () => {
    expect(loginWaitMs(7, 10_000, 10_500, p)).toBe(1500);
    expect(loginWaitMs(7, 10_000, 12_000, p)).toBe(0);
    expect(loginWaitMs(1_000_000, 10_000, 18_000, p)).toBe(0);
    expect(loginWaitMs(3, 10_000, 10_000, p)).toBe(0);
  });
});
