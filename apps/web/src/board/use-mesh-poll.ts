// Polls GET /mesh once a second, one request at a time (the next starts a second after the last
// one began, or at once if it took longer), each bounded by a timeout. A failed poll keeps the
// last good view and says since when the edge has been unreachable.
import { useEffect, useState } from 'react';
import { requestRates, type BoardView, type Sample } from './mesh-rates';

export interface MeshPoll {
  /** The last good view, and when it arrived. */
  last: Sample | null;
  rates: Map<string, number>;
  /** Set while polls fail: when the first failing one was sent, and why. */
  unreachable: { since: number; reason: string } | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function useMeshPoll(intervalMs = 1000, timeoutMs = 3000): MeshPoll {
  const [state, setState] = useState<MeshPoll>({ last: null, rates: new Map(), unreachable: null });
  useEffect(() => {
    let stopped = false;
    let previous: Sample | null = null;
    const loop = async () => {
      while (!stopped) {
        const sent = Date.now();
        try {
          const res = await fetch('/mesh', { signal: AbortSignal.timeout(timeoutMs), cache: 'no-store' });
          if (!res.ok) throw new Error(`GET /mesh answered ${res.status}`);
          const sample: Sample = { view: (await res.json()) as BoardView, at: Date.now() };
          const rates = requestRates(previous, sample);
          previous = sample;
          if (!stopped) setState({ last: sample, rates, unreachable: null });
        } catch (err) {
          const reason =
            err instanceof Error && err.name === 'TimeoutError'
              ? `no answer in ${timeoutMs / 1000} s`
              : String(err instanceof Error ? err.message : err);
          if (!stopped) setState((s) => ({ ...s, unreachable: s.unreachable ?? { since: sent, reason } }));
        }
        await sleep(Math.max(0, intervalMs - (Date.now() - sent)));
      }
    };
    void loop();
    return () => {
      stopped = true;
    };
  }, [intervalMs, timeoutMs]);
  return state;
}
