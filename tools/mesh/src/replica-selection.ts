// Which replica a `mesh kill` hits when no pid is given. Pure, so the choice is unit tested.
import type { DrillSignal, ReplicaState } from './control-types.js';

export interface Candidate {
  pid: number | null;
  startedAt: number | null;
  state: ReplicaState;
  frozen: boolean;
}

/**
 * The oldest live replica: the one that has been serving longest, as a real failure would
 * most likely hit. CONT wakes the oldest frozen one; STOP freezes the oldest one not frozen.
 */
export function pickKillTarget<C extends Candidate>(replicas: readonly C[], signal: DrillSignal): C | undefined {
  return replicas
    .filter((r) => r.pid !== null && r.startedAt !== null && r.state !== 'stopping')
    .filter((r) => (signal === 'CONT' ? r.frozen : signal === 'STOP' ? !r.frozen : true))
    .sort((a, b) => a.startedAt! - b.startedAt! || a.pid! - b.pid!)[0];
}
