// Admission by criticality: the headroom above each class's share is the more critical's.
import { describe, expect, it } from 'vitest';
import { Admission, DEFAULT_ADMISSION } from './admission.js';

const admission = (enabled = true) =>
  new Admission({ ...DEFAULT_ADMISSION, enabled, initial: 10, min: 10, max: 10 }, () => 0);

describe('admission by criticality', () => {
  it('takes sheddable up to half the limit, degradable to 80 %, critical to the limit', () => {
    const a = admission();
    const taken = { sheddable: 0, degradable: 0, critical: 0 };
    for (const c of ['sheddable', 'degradable', 'critical'] as const) {
      while (a.tryAcquire(c)) taken[c]++;
    }
    expect(taken).toEqual({ sheddable: 5, degradable: 3, critical: 2 });
    expect(a.inFlight).toBe(10);
    expect(a.refused).toEqual({ sheddable: 1, degradable: 1, critical: 1 });
  });

  it('refuses the less critical first when the replica is busy with critical work', () => {
    const a = admission();
    for (let i = 0; i < 6; i++) expect(a.tryAcquire('critical')).toBe(true);
    expect(a.tryAcquire('sheddable')).toBe(false);
    expect(a.tryAcquire('degradable')).toBe(true); // 6 < 8
    expect(a.tryAcquire('degradable')).toBe(true); // 7 < 8
    expect(a.tryAcquire('degradable')).toBe(false);
    expect(a.tryAcquire('critical')).toBe(true);
    expect(a.tryAcquire('critical')).toBe(true);
    expect(a.tryAcquire('critical')).toBe(false);
  });

  it('takes again what it released', () => {
    const a = admission();
    for (let i = 0; i < 10; i++) a.tryAcquire('critical');
    expect(a.tryAcquire('critical')).toBe(false);
    a.release(5, 10);
    expect(a.tryAcquire('critical')).toBe(true);
  });

  it('switched off, takes everything and refuses nothing', () => {
    const a = admission(false);
    for (let i = 0; i < 100; i++) expect(a.tryAcquire('sheddable')).toBe(true);
    expect(a.refused).toEqual({ sheddable: 0, degradable: 0, critical: 0 });
  });
});
