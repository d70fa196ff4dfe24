// A small closed-loop load for drills: N workers issue requests back to back and record each
// outcome with its start time, so a test can look at what happened before and after a fault.
import { http } from '#testing';

export interface Sample {
  startedAt: number;
  ms: number;
  status: number;
  body: any;
}

export function runLoad(
  baseUrl: string,
  o: { concurrency: number; path: () => string; timeoutMs?: number },
): { stop: () => Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const worker = async () => {
    while (running) {
      const startedAt = Date.now();
      try {
        const r = await http(baseUrl, 'GET', o.path(), { timeoutMs: o.timeoutMs ?? 5000 });
        samples.push({ startedAt, ms: r.ms, status: r.status, body: r.body });
      } catch {
        samples.push({ startedAt, ms: Date.now() - startedAt, status: 0, body: null });
      }
    }
  };
  const workers = Array.from({ length: o.concurrency }, worker);
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return samples;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
