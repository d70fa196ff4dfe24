// `npm run chaos -- [--overload] [--out <file>] [--short]` parsed. Pure: a bad argument is a UsageError.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface ChaosArgs {
  /** Where the HTML report goes; the JSON goes beside it (same name, .json). */
  out: string;
  /** The short scenario (tests): ~2.5 s of calm between faults, 3 s freezes and outages. */
  short: boolean;
  /**
   * Stop and start the local PostgreSQL server itself (pg_ctlcluster, root on a machine of its
   * own) instead of taking only the run's database away: every other client of the server loses
   * its connections too.
   */
  restartPostgres: boolean;
  /** The overload drill (open-loop load at multiples of the knee, with and without the mechanisms) instead of the faults. */
  overload: boolean;
  help: boolean;
}

export class UsageError extends Error {}

export const Usage = `usage: npm run chaos -- [--overload] [--out <file.html>] [--short] [--restart-postgres]
  --overload     the overload drill instead of the faults: the read-heavy mix open loop at 0.5×,
                 1×, 2× and 4× the knee it finds, a spike, one replica frozen in bursts, with the
                 overload mechanisms on and then off (OVERLOAD_PROTECTION); ~20 min, --short ~5
  --out <file>   the HTML report (default chaos-report.html, or overload-report.html with
                 --overload, in the repository root); the same data is written as JSON beside it
  --short        the short scenario (~1 min instead of ~2): 2.5 s of calm between faults,
                 likes at 0 for 3 s, a replica frozen for 3 s, PostgreSQL away for 3 s
  --restart-postgres
                 stop the local PostgreSQL server (pg_ctlcluster … stop -m fast) and start it
                 again, instead of only this run's database refusing connections; for a
                 machine of its own: every other client of that server is cut off too`;

export function parseChaosArgs(argv: readonly string[], repoRoot: string): ChaosArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        out: { type: 'string' },
        short: { type: 'boolean' },
        'restart-postgres': { type: 'boolean' },
        overload: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { out, short, help, overload, 'restart-postgres': restartPostgres } = parsed.values;
  if (out !== undefined && !out.endsWith('.html')) throw new UsageError(`--out must name an .html file, got ${out}`);
  if (overload && restartPostgres) throw new UsageError('--restart-postgres is a fault; the overload drill has none');
  return {
    out: resolve(out ?? resolve(repoRoot, overload ? 'overload-report.html' : 'chaos-report.html')),
    short: short ?? false,
    restartPostgres: restartPostgres ?? false,
    overload: overload ?? false,
    help: help ?? false,
  };
}

/** The JSON report's path beside the HTML one. */
export const jsonPathOf = (htmlPath: string) => htmlPath.replace(/\.html$/, '.json');
