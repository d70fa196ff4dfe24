// The social graph of the DeathStarBench leg: an edges file (socfb-Reed98 as DeathStarBench uses
// it, fetched by the user from the Network Data Repository), or a seeded graph of the same shape.
import { readFileSync } from 'node:fs';
import { randomInt, seededRandom } from '#loadgen';

export interface SocialGraph {
  users: number;
  /** Undirected friendships [a, b], a < b; each becomes two follows. */
  edges: Array<[number, number]>;
  source: string;
}

/** `a b` per line (extra columns and `%` or `#` comments ignored); ids renumbered 0… in order of appearance. */
export function readEdges(file: string): SocialGraph {
  const ids = new Map<string, number>();
  const id = (s: string) => {
    let n = ids.get(s);
    if (n === undefined) ids.set(s, (n = ids.size));
    return n;
  };
  const seen = new Set<string>();
  const edges: Array<[number, number]> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [a, b] = line.trim().split(/\s+/);
    if (!a || !b || a.startsWith('%') || a.startsWith('#')) continue;
    const [x, y] = [id(a), id(b)].sort((p, q) => p - q);
    if (x === y || seen.has(`${x} ${y}`)) continue;
    seen.add(`${x} ${y}`);
    edges.push([x, y]);
  }
  return { users: ids.size, edges, source: `edges file ${file}` };
}

/**
 * A seeded Chung–Lu graph shaped like socfb-Reed98: 962 users, 18,812 friendships, endpoint
 * weights (i + 40)^-0.8 with the first user's raised by three quarters — mean degree 39, median ≈ 28,
 * p99 ≈ 160, max ≈ 300, as in the real graph.
 */
export function seededGraph(seed = 98, users = 962, friendships = Math.round((users * 18_812) / 962)): SocialGraph {
  const random = seededRandom(seed);
  const weights = Array.from({ length: users }, (_, i) => (i + 40) ** -0.8);
  weights[0] *= 1.75;
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w / total));
  const pick = () => {
    const r = random();
    let lo = 0;
    let hi = users - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const seen = new Set<number>();
  const edges: Array<[number, number]> = [];
  while (edges.length < friendships) {
    const [a, b] = [pick(), pick()].sort((p, q) => p - q);
    if (a === b || seen.has(a * users + b)) continue;
    seen.add(a * users + b);
    edges.push([a, b]);
  }
  return { users, edges, source: `seeded graph (seed ${seed}, ${users} users) shaped like socfb-Reed98` };
}

export function degrees(g: SocialGraph): number[] {
  const d = new Array<number>(g.users).fill(0);
  for (const [a, b] of g.edges) {
    d[a]++;
    d[b]++;
  }
  return d;
}

export function degreeSummary(g: SocialGraph): Record<string, number> {
  const d = [...degrees(g)].sort((a, b) => a - b);
  return {
    users: g.users,
    friendships: g.edges.length,
    follows: g.edges.length * 2,
    meanDegree: Math.round((d.reduce((a, b) => a + b, 0) / d.length) * 10) / 10,
    medianDegree: d[Math.floor(d.length / 2)],
    p99Degree: d[Math.floor(d.length * 0.99)],
    maxDegree: d[d.length - 1],
  };
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const randomString = (random: () => number, n: number) =>
  Array.from({ length: n }, () => ALPHANUMERIC[Math.floor(random() * ALPHANUMERIC.length)]).join('');

/** DeathStarBench's post text: 256 random characters, 1–6 @username_M mentions, 1–6 URLs. */
export function dsbText(random: () => number, users: number): string {
  const mentions = Array.from(
    { length: randomInt(random, 1, 6) },
    () => `@username_${randomInt(random, 0, users - 1)}`,
  );
  const urls = Array.from({ length: randomInt(random, 1, 6) }, () => `http://${randomString(random, 64)}`);
  return [randomString(random, 256), ...mentions, ...urls].join(' ');
}
