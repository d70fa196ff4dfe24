import { describe, expect, it } from 'vitest';
import { pickKillTarget, type Candidate } from './replica-selection.js';

const r = (pid: number | null, startedAt: number | null, more: Partial<Candidate> = {}): Candidate => ({
  pid,
  startedAt,
  state: 'running',
  frozen: false,
  ...more,
});

describe('pickKillTarget', () => {
  it('hits the oldest live replica', () => {
    expect(pickKillTarget([r(30, 300), r(10, 100), r(20, 200)], 'KILL')?.pid).toBe(10);
  });

  it('skips replicas without a process and ones already stopping', () => {
    expect(
      pickKillTarget([r(null, null, { state: 'crashed' }), r(10, 100, { state: 'stopping' }), r(20, 200)], 'TERM')?.pid,
    ).toBe(20);
  });

  it('freezes one not yet frozen, and wakes a frozen one', () => {
    const list = [r(10, 100, { frozen: true }), r(20, 200)];
    expect(pickKillTarget(list, 'STOP')?.pid).toBe(20);
    expect(pickKillTarget(list, 'CONT')?.pid).toBe(10);
    expect(pickKillTarget([r(20, 200)], 'CONT')).toBeUndefined();
  });
});
