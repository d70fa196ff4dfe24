// Which apps run and how many replicas each: MESH_APPS, REPLICAS, `--replicas` and the
// `scale <app>=<n>` arguments. Every error is one line naming the variable or argument.
import { AppNames, isAppName, type AppName } from './app-catalogue.js';

/** More replicas than this on one machine is a typo, not a plan. */
export const MaxReplicas = 32;

export class CountsError extends Error {}

function unknownApp(where: string, name: string): CountsError {
  return new CountsError(`${where}: unknown app "${name}" (known: ${AppNames.join(', ')})`);
}

/** `identity,posts` → those apps, in catalogue order; empty or unset → every app. */
export function parseAppList(text: string | undefined, where = 'MESH_APPS'): AppName[] {
  const names = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) return [...AppNames];
  for (const n of names) if (!isAppName(n)) throw unknownApp(where, n);
  return AppNames.filter((a) => names.includes(a));
}

/** One `<app>=<count>` pair. */
export function parseReplicaPair(text: string, where: string): { app: AppName; replicas: number } {
  const m = /^\s*([a-z][a-z0-9-]*)\s*=\s*(\S*)\s*$/.exec(text);
  if (!m) throw new CountsError(`${where}: "${text}" is not <app>=<count>`);
  const [, app, count] = m as unknown as [string, string, string];
  if (!isAppName(app)) throw unknownApp(where, app);
  if (!/^\d+$/.test(count)) throw new CountsError(`${where}: ${app}=${count}: the count must be a whole number`);
  const replicas = Number(count);
  if (replicas > MaxReplicas) throw new CountsError(`${where}: ${app}=${count}: at most ${MaxReplicas} replicas`);
  return { app, replicas };
}

/**
 * `likes=3,posts=2` → a count for every selected app (1 unless named). Naming an app that
 * MESH_APPS leaves out is an error: the caller asked for replicas that would never start.
 */
export function parseReplicaCounts(
  text: string | undefined,
  selected: readonly AppName[],
  where = 'REPLICAS',
): Map<AppName, number> {
  const counts = new Map<AppName, number>(selected.map((a) => [a, 1]));
  const seen = new Set<AppName>();
  for (const pair of (text ?? '').split(',').filter((s) => s.trim() !== '')) {
    const { app, replicas } = parseReplicaPair(pair, where);
    if (seen.has(app)) throw new CountsError(`${where}: ${app} is given twice`);
    if (!selected.includes(app)) throw new CountsError(`${where}: ${app} is not in MESH_APPS (${selected.join(', ')})`);
    seen.add(app);
    counts.set(app, replicas);
  }
  return counts;
}
