import { describe, expect, it } from 'vitest';
import { RestartPolicy } from './restart-policy.js';

const s = 1000;

/** Feeds exits that each follow a run of `ranMs`, with the backoff delay between them. */
function crashes(policy: RestartPolicy, n: number, ranMs: number, from = 0) {
  const decisions = [];
  let t = from;
  for (let i = 0; i < n; i++) {
    const d = policy.onExit(t, t + ranMs);
    decisions.push(d);
    t += ranMs + (d.kind === 'restart' ? d.delayMs : 0);
  }
  return { decisions, t };
}

describe('RestartPolicy', () => {
  it('backs off from 250 ms, doubling', () => {
    const { decisions } = crashes(new RestartPolicy(), 4, 100);
    expect(decisions).toEqual([250, 500, 1000, 2000].map((delayMs) => ({ kind: 'restart', delayMs })));
  });

  it('gives up on the 5th crash within 60 s, instead of restarting in a loop', () => {
    const { decisions } = crashes(new RestartPolicy(), 5, 100);
    expect(decisions.at(-1)).toEqual({ kind: 'give-up', crashes: 5 });
  });

  it('caps the delay at 10 s when crashes are spread out', () => {
    const policy = new RestartPolicy();
    // 25 s runs: not stable enough to reset the backoff, too slow to trip the crash limit.
    const { decisions } = crashes(policy, 8, 25 * s);
    expect(decisions.map((d) => (d.kind === 'restart' ? d.delayMs : d.kind))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it('starts the backoff over after a run longer than 30 s', () => {
    const policy = new RestartPolicy();
    const { t } = crashes(policy, 3, 100); // 250, 500, 1000
    expect(policy.onExit(t, t + 31 * s)).toEqual({ kind: 'restart', delayMs: 250 });
  });

  it('forgets crashes older than the 60 s window', () => {
    const policy = new RestartPolicy();
    crashes(policy, 4, 100);
    expect(policy.onExit(70 * s, 70 * s + 100).kind).toBe('restart');
  });

  it('does not count an exit an operator drill caused', () => {
    const policy = new RestartPolicy();
    crashes(policy, 4, 100);
    for (let i = 0; i < 10; i++)
      expect(policy.onExit(5 * s, 5 * s + 10, true)).toEqual({ kind: 'restart', delayMs: 250 });
    expect(policy.onExit(6 * s, 6 * s + 10)).toEqual({ kind: 'give-up', crashes: 5 });
  });

  it('reset() gives a crashed replica a fresh start', () => {
    const policy = new RestartPolicy();
    crashes(policy, 5, 100);
    policy.reset();
    expect(policy.onExit(5 * s, 5 * s + 100)).toEqual({ kind: 'restart', delayMs: 250 });
  });
});
