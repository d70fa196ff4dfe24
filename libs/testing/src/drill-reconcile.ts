// After a drill: the writes reconciled against what the API returns, and the drill's figures.
// lost = an acknowledged write that is absent; duplicated = one key with more than one effect;
// recovered = a write that timed out or failed for the client but landed (allowed).
import { http, type HttpResult } from './http.js';
import { POST_KEY, type DrillAccount, type DrillRecords, type WriteRecord } from './drill-load.js';

export interface Reconciliation {
  lost: string[];
  duplicated: string[];
  recovered: string[];
}

export interface DrillFigures {
  drill: string;
  requests: number;
  reads: number;
  failedReads: number;
  writes: number;
  failedWrites: number;
  unknown: number;
  readP50: number;
  readP99: number;
  readMax: number;
  degradedShare: number;
  lost: number;
  duplicated: number;
  recovered: number;
}

/** Every page of a cursor-paginated list (100 a page); a non-200 page throws, naming the path. */
export async function allPages<T>(url: string, path: string, token?: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res: HttpResult = await http(
      url,
      'GET',
      `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      {
        token,
      },
    );
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    items.push(...(res.body.items as T[]));
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

export async function reconcile(
  url: string,
  records: DrillRecords,
  o: { poster: DrillAccount; reader: DrillAccount },
): Promise<Reconciliation> {
  const out: Reconciliation = { lost: [], duplicated: [], recovered: [] };
  const judge = (w: WriteRecord, effects: number) => {
    if (effects === 0 && w.outcome === 'ok') out.lost.push(`${w.kind} ${w.key}`);
    if (effects > 1) out.duplicated.push(`${w.kind} ${w.key} ×${effects}`);
    if (effects > 0 && w.outcome !== 'ok') out.recovered.push(`${w.kind} ${w.key}`);
  };

  // Posts: the key is in the text, so the poster's own listing counts the effects per key.
  const posts = await allPages<{ text: string }>(url, `/posts?author=${o.poster.user.username}`);
  const perKey = new Map<string, number>();
  for (const p of posts) {
    const key = POST_KEY.exec(p.text)?.[1];
    if (key) perKey.set(key, (perKey.get(key) ?? 0) + 1);
  }
  for (const w of records.writes.filter((x) => x.kind === 'post')) judge(w, perKey.get(w.key) ?? 0);

  // Likes: one per user × post by nature; a post's likeCount must match the distinct likers.
  const likes = records.writes.filter((x) => x.kind === 'like');
  for (const postId of new Set(likes.map((w) => w.postId!))) {
    const likers = await allPages<{ user: { id: string } }>(url, `/posts/${postId}/likes`);
    const present = new Map<string, number>();
    for (const l of likers) present.set(l.user.id, (present.get(l.user.id) ?? 0) + 1);
    const post = await http(url, 'GET', `/posts/${postId}`, { token: o.reader.token });
    if (post.body.likeCount !== present.size) {
      out.duplicated.push(`like count of ${postId}: ${post.body.likeCount} for ${present.size} likers`);
    }
    for (const w of likes.filter((x) => x.postId === postId)) judge(w, present.get(w.userId!) ?? 0);
  }
  return out;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function figures(drill: string, records: DrillRecords, rec: Reconciliation): DrillFigures {
  const reads = records.requests.filter((r) => r.kind === 'read');
  const ms = reads.map((r) => r.ms).sort((a, b) => a - b);
  return {
    drill,
    requests: records.requests.length,
    reads: reads.length,
    failedReads: reads.filter((r) => r.outcome === 'failed').length,
    writes: records.writes.length,
    failedWrites: records.writes.filter((w) => w.outcome === 'failed').length,
    unknown:
      reads.filter((r) => r.outcome === 'unknown').length +
      records.writes.filter((w) => w.outcome === 'unknown').length,
    readP50: percentile(ms, 0.5),
    readP99: percentile(ms, 0.99),
    readMax: ms.at(-1) ?? 0,
    degradedShare: reads.length === 0 ? 0 : reads.filter((r) => r.degraded).length / reads.length,
    lost: rec.lost.length,
    duplicated: rec.duplicated.length,
    recovered: rec.recovered.length,
  };
}

const COLUMNS: Array<[string, (f: DrillFigures) => string]> = [
  ['drill', (f) => f.drill],
  ['requests', (f) => String(f.requests)],
  ['failed reads', (f) => `${f.failedReads}/${f.reads}`],
  ['failed writes', (f) => `${f.failedWrites}/${f.writes}`],
  ['unknown', (f) => String(f.unknown)],
  ['read p50/p99/max ms', (f) => `${f.readP50.toFixed(0)}/${f.readP99.toFixed(0)}/${f.readMax.toFixed(0)}`],
  ['degraded', (f) => `${(f.degradedShare * 100).toFixed(1)}%`],
  ['lost', (f) => String(f.lost)],
  ['duplicated', (f) => String(f.duplicated)],
  ['recovered', (f) => String(f.recovered)],
];

/** A markdown table of drills, as docs/drills.md shows them. */
export function figuresTable(all: DrillFigures[]): string {
  const rows = [COLUMNS.map(([h]) => h), ...all.map((f) => COLUMNS.map(([, cell]) => cell(f)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/** One readable line per drill on stdout: the suite's output is its figures. */
export function printFigures(f: DrillFigures, extra = ''): void {
  const cells = COLUMNS.slice(1).map(([h, cell]) => `${h} ${cell(f)}`);
  process.stdout.write(`[drill] ${f.drill}: ${cells.join(' · ')}${extra ? ` · ${extra}` : ''}\n`);
}

/** Where a drill's failures fell: per route, status and service, when (ms after the fault). */
export function printFailures(drill: string, records: DrillRecords, rec: Reconciliation, faultAt: number): void {
  const groups = new Map<string, number[]>();
  for (const r of records.requests.filter((x) => x.outcome !== 'ok')) {
    const k = `${r.route} ${r.status || r.outcome}${r.service ? ` ${r.service}` : ''}`;
    groups.set(k, [...(groups.get(k) ?? []), r.startedAt - faultAt]);
  }
  for (const [k, at] of groups) {
    process.stdout.write(
      `[drill] ${drill}: ${at.length} × ${k}, sent ${Math.min(...at)}…${Math.max(...at)} ms after the fault began\n`,
    );
  }
  const failed = records.writes.filter((w) => w.outcome !== 'ok');
  if (failed.length + rec.lost.length + rec.duplicated.length > 0) {
    const attempts = failed.map((w) => `${w.kind} ${w.statuses.join(',')}`);
    process.stdout.write(
      `[drill] ${drill}: writes not acknowledged (statuses per attempt) ${JSON.stringify(attempts)}` +
        ` lost ${JSON.stringify(rec.lost)} duplicated ${JSON.stringify(rec.duplicated)}\n`,
    );
  }
}
