import { describe, expect, it } from 'vitest';
import { WaitingReport, type PidState } from './waiting-report.js';

const state = 'database 127.0.0.1:5999/failsoft unreachable: ECONNREFUSED 127.0.0.1:5999';
const seen = (pid: number, s = state) => ({ pid, state: s, target: '127.0.0.1:5999/failsoft', waitingFor: 'database' });
const states =
  (m: Record<number, ReturnType<PidState>>): PidState =>
  (pid) =>
    m[pid];
const line = (s: string) =>
  `mesh: ${s}; the services that need it wait and retry by themselves, and the mesh is not up until they reach it (\`npm run mesh -- status\` shows each replica)`;
const back = 'mesh: the replicas that waited for the database at 127.0.0.1:5999/failsoft reached it and serve';

describe('WaitingReport', () => {
  it('says a reason once, however many replicas give it over however many probes', () => {
    const r = new WaitingReport();
    const starting = states({ 1: 'starting', 2: 'starting', 3: 'starting' });
    expect(r.update([seen(1)], starting)).toEqual([line(state)]);
    expect(r.update([seen(1), seen(2)], starting)).toEqual([]);
    expect(r.update([seen(1), seen(2), seen(3)], starting)).toEqual([]);
    // A probe that missed every reply (a slow $SRV answer) ends nothing: they still start.
    expect(r.update([], starting)).toEqual([]);
  });

  it('says once that they reached it when every replica that gave it serves', () => {
    const r = new WaitingReport();
    r.update([seen(1), seen(2)], states({ 1: 'starting', 2: 'starting' }));
    expect(r.update([seen(2)], states({ 1: 'running', 2: 'starting' }))).toEqual([]);
    expect(r.update([], states({ 1: 'running', 2: 'running' }))).toEqual([back]);
    expect(r.update([], states({ 1: 'running', 2: 'running' }))).toEqual([]);
    // A later outage (a restarted replica waiting again) is said again.
    expect(r.update([seen(4)], states({ 4: 'starting' }))).toEqual([line(state)]);
  });

  it('follows a replica whose reason changed, and claims no recovery for replicas that exited', () => {
    const r = new WaitingReport();
    const refused = 'database 127.0.0.1:5999/failsoft not ready: password authentication failed for user "app"';
    r.update([seen(1)], states({ 1: 'starting' }));
    expect(r.update([seen(1, refused)], states({ 1: 'starting' }))).toEqual([line(refused)]);
    expect(r.update([], states({ 1: 'running' }))).toEqual([back]);
    r.update([seen(7)], states({ 7: 'starting' }));
    expect(r.update([], states({}))).toEqual([]);
  });
});
