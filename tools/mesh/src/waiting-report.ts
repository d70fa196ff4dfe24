// What the launcher says on its console about replicas that are in the mesh but wait for a
// dependency (their database): one line per reason, however many replicas give it and however
// often they retry, and one line once every replica that gave it serves. Pure: the launcher
// feeds it each probe's waiting replicas and the state its supervisor has for a pid.

export interface WaitingSeen {
  pid: number | null;
  /** `database 127.0.0.1:5999/failsoft unreachable: ECONNREFUSED 127.0.0.1:5999`. */
  state: string;
  /** `127.0.0.1:5999/failsoft`. */
  target: string | null;
  /** `database`. */
  waitingFor: string;
}

/** The supervisor's state of a replica by pid: undefined once that process has exited. */
export type PidState = (pid: number) => 'starting' | 'running' | 'stopping' | 'crashed' | undefined;

interface Said {
  waitingFor: string;
  target: string | null;
  /** The replicas seen giving this reason that have not served yet. */
  pids: Set<number>;
  /** Whether one of them served since: the recovery line is then true. */
  served: boolean;
}

export class WaitingReport {
  private readonly said = new Map<string, Said>();

  /** The lines to print after one probe. */
  update(waiting: readonly WaitingSeen[], stateOf: PidState): string[] {
    const out: string[] = [];
    for (const w of waiting) {
      let said = this.said.get(w.state);
      if (!said) {
        this.said.set(w.state, (said = { waitingFor: w.waitingFor, target: w.target, pids: new Set(), served: false }));
        out.push(
          `mesh: ${w.state}; the services that need it wait and retry by themselves, and the mesh is not up until they reach it (\`npm run mesh -- status\` shows each replica)`,
        );
      }
      if (w.pid === null) continue;
      // A replica whose reason changed waits under the new one only.
      for (const other of this.said.values()) if (other !== said) other.pids.delete(w.pid);
      said.pids.add(w.pid);
    }
    // A reason is over once none of the replicas that gave it still waits: each serves, or has
    // exited (a replacement that waits too is seen again above, under the same reason).
    for (const [state, said] of this.said) {
      for (const pid of said.pids) {
        const s = stateOf(pid);
        if (s === 'starting') continue;
        if (s === 'running') said.served = true;
        said.pids.delete(pid);
      }
      if (said.pids.size > 0 || waiting.some((w) => w.state === state)) continue;
      this.said.delete(state);
      if (said.served) {
        const what = said.target ? `the ${said.waitingFor} at ${said.target}` : `their ${said.waitingFor}`;
        out.push(`mesh: the replicas that waited for ${what} reached it and serve`);
      }
    }
    return out;
  }
}
