import { describe, expect, it } from 'vitest';
import { requestRates, uptime, type BoardReplica, type BoardView } from './mesh-rates';

const replica = (id: string, requests: number): BoardReplica => ({
  id,
  pid: 1,
  host: 'h',
  version: '0.1.0',
  startedAt: '2026-01-01T00:00:00.000Z',
  requests,
  errors: 0,
  averageLatencyMs: 1,
});
const view = (...replicas: BoardReplica[]): BoardView => ({
  services: [{ name: 'posts', status: replicas.length > 0 ? 'up' : 'down', replicas }],
});

describe('requestRates', () => {
  it('is the counter delta over the time between the polls, per replica', () => {
    const rates = requestRates(
      { view: view(replica('a', 100), replica('b', 10)), at: 1000 },
      { view: view(replica('a', 150), replica('b', 10), replica('c', 5)), at: 3000 },
    );
    expect([...rates]).toEqual([
      ['a', 25],
      ['b', 0],
    ]);
  });

  it('has nothing on the first poll, nor for a counter that went backwards', () => {
    expect(requestRates(null, { view: view(replica('a', 1)), at: 0 }).size).toBe(0);
    const rates = requestRates({ view: view(replica('a', 100)), at: 0 }, { view: view(replica('a', 3)), at: 1000 });
    expect(rates.has('a')).toBe(false);
  });
});

describe('uptime', () => {
  const start = '2026-01-01T00:00:00.000Z';
  const at = (s: number) => Date.parse(start) + s * 1000;
  it('reads as seconds, minutes, hours', () => {
    expect([uptime(start, at(42)), uptime(start, at(245)), uptime(start, at(7380)), uptime(start, at(-5))]).toEqual([
      '42 s',
      '4 min 5 s',
      '2 h 3 min',
      '0 s',
    ]);
  });
});
