// The overload drill's pass criteria (docs/drills.md) over one run, each with what was measured,
// judged on the arm with the mechanisms on; the arm without them is given beside it where the
// criterion compares.
// Pure (unit-tested in overload-figures.spec.ts).
import type { Criterion, OverloadArm, OverloadStep } from './overload-model.js';

const pct = (n: number) => `${Math.round(n * 1000) / 10} %`;
const at = (arm: OverloadArm, multiple: number): OverloadStep => {
  const s = arm.steps.find((x) => x.multiple === multiple);
  if (!s) throw new Error(`arm ${arm.arm} has no ${multiple}× step`);
  return s;
};

export function judge(arms: readonly OverloadArm[], knee: number): Criterion[] {
  const on = arms.find((a) => a.protection);
  const off = arms.find((a) => !a.protection);
  if (!on || !off) throw new Error('the drill needs an arm with the mechanisms and one without');
  const criteria: Criterion[] = [];
  const g = (a: OverloadArm, m: number) => at(a, m).goodputPerSec;

  const kept = Math.min(g(on, 2), g(on, 4)) / (g(on, 1) || 1);
  criteria.push({
    name: 'critical goodput at 2× and 4× the knee ≥ 95 % of the goodput at 1×',
    measured:
      `on: ${g(on, 1)}/s at 1×, ${g(on, 2)}/s at 2×, ${g(on, 4)}/s at 4× (${pct(kept)}); ` +
      `off: ${g(off, 1)}/s, ${g(off, 2)}/s, ${g(off, 4)}/s (${pct(Math.min(g(off, 2), g(off, 4)) / (g(off, 1) || 1))}); knee ${knee}/s`,
    pass: kept >= 0.95,
  });

  const over = [at(on, 2), at(on, 4)];
  const slow = Math.max(...over.map((s) => s.slowShare));
  const withHint = Math.min(...over.map((s) => s.refusalsWithRetryAfter));
  criteria.push({
    name: 'the overflow is degraded answers and fast refusals with Retry-After, not timeouts (≤ 5 % late or failed slowly)',
    measured:
      `on at 2×/4×: degraded ${over.map((s) => pct(s.degradedShare)).join('/')}, refused fast ${over.map((s) => pct(s.refusedShare)).join('/')}, ` +
      `late or failed slowly ${over.map((s) => pct(s.slowShare)).join('/')}, refusals with Retry-After ${pct(withHint)}; ` +
      `off: late or failed slowly ${[at(off, 2), at(off, 4)].map((s) => pct(s.slowShare)).join('/')}`,
    pass: slow <= 0.05 && withHint >= 0.99,
  });

  const amps = [...on.steps.map((s) => s.amplification), on.spike.amplification];
  criteria.push({
    name: 'retry amplification (attempts ÷ requests the routes wanted) ≤ 1.2 at every step',
    measured: `on: ${on.steps.map((s) => `${s.multiple}× ${s.amplification}`).join(', ')}, spike ${on.spike.amplification}; off: ${off.steps.map((s) => `${s.multiple}× ${s.amplification}`).join(', ')}, spike ${off.spike.amplification}`,
    pass: Math.max(...amps) <= 1.2,
  });

  const bounded = (a: OverloadArm) => {
    const one = at(a, 1).rss;
    const four = at(a, 4).rss;
    return {
      ok:
        four.edgeMb <= Math.max(one.edgeMb * 1.5, one.edgeMb + 50) &&
        four.largestReplicaMb <= Math.max(one.largestReplicaMb * 1.5, one.largestReplicaMb + 50),
      text: `edge ${one.edgeMb} → ${four.edgeMb} MB, largest replica ${one.largestReplicaMb} → ${four.largestReplicaMb} MB (${four.largestReplica})`,
    };
  };
  criteria.push({
    name: 'memory bounded: at 4× the knee no process holds more than 1.5× (or 50 MB over) what it held at 1×',
    measured: `on: ${bounded(on).text}; off: ${bounded(off).text}`,
    pass: bounded(on).ok,
  });

  const rec = (a: OverloadArm) => (a.spike.recoveryS === null ? 'not by the end' : `${a.spike.recoveryS} s`);
  criteria.push({
    name: 'after a spike to 4× from 0.5×: p99 back under 500 ms within 2 s',
    measured: `on: ${rec(on)} after the spike's end; off: ${rec(off)} (spike ${on.spike.lowRatePerSec} → ${on.spike.highRatePerSec}/s)`,
    pass: on.spike.recoveryS !== null && on.spike.recoveryS <= 2,
  });

  const shareOf = (rows: OverloadArm['slowReplica']['healthy'], slowOne: boolean) =>
    rows.filter((r) => r.slow === slowOne);
  const s = on.slowReplica;
  const slowHealthy = shareOf(s.healthy, true)[0]?.share ?? 0;
  const slowDuring = shareOf(s.during, true)[0]?.share ?? 0;
  const mean = (rows: typeof s.healthy) => rows.reduce((n, r) => n + r.meanMs, 0) / (rows.length || 1);
  const othersHealthy = mean(shareOf(s.healthy, false));
  const othersDuring = mean(shareOf(s.during, false));
  criteria.push({
    name: `one ${s.service} replica of three frozen in 1 s bursts: its share goes to the others, whose handling time does not move (≤ 1.5× + 1 ms)`,
    measured:
      `on: the slow replica's share ${pct(slowHealthy)} → ${pct(slowDuring)}; the others' mean handling ${othersHealthy.toFixed(2)} → ${othersDuring.toFixed(2)} ms ` +
      `(their p99 is not reported by $SRV.STATS: the mean is what it carries)`,
    pass: slowDuring < slowHealthy * 0.8 && othersDuring <= othersHealthy * 1.5 + 1,
  });

  const healthy = at(on, s.multiple);
  const offHealthy = at(off, s.multiple);
  criteria.push({
    name: `with one ${s.service} replica frozen in bursts at ${s.multiple}× the knee: no more degraded answers than healthy (+1 point), read p99 ≤ 2× healthy`,
    measured:
      `on: degraded ${pct(healthy.degradedShare)} → ${pct(s.degradedShare)}, read p99 ${healthy.readP99Ms} → ${s.readP99Ms} ms (all ${healthy.p99Ms} → ${s.p99Ms} ms); ` +
      `off: degraded ${pct(offHealthy.degradedShare)} → ${pct(off.slowReplica.degradedShare)}, read p99 ${offHealthy.readP99Ms} → ${off.slowReplica.readP99Ms} ms (all ${offHealthy.p99Ms} → ${off.slowReplica.p99Ms} ms)`,
    pass: s.degradedShare <= healthy.degradedShare + 0.01 && s.readP99Ms <= 2 * healthy.readP99Ms,
  });

  const cost = [0.5, 1].map((m) => ({
    m,
    rate: at(on, m).goodputPerSec / (at(off, m).goodputPerSec || 1),
    p99: at(on, m).p99Ms / (at(off, m).p99Ms || 1),
  }));
  criteria.push({
    name: 'no overload (0.5× and 1×): the mechanisms cost ≤ 5 % goodput and ≤ 5 % p99',
    measured: cost
      .map(
        (c) =>
          `${c.m}×: goodput on/off ${at(on, c.m).goodputPerSec}/${at(off, c.m).goodputPerSec} (${c.rate.toFixed(3)}), p99 ${at(on, c.m).p99Ms}/${at(off, c.m).p99Ms} ms (${c.p99.toFixed(3)})`,
      )
      .join('; '),
    pass: cost.every((c) => c.rate >= 0.95 && c.p99 <= 1.05),
  });
  return criteria;
}
