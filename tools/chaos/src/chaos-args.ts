// `npm run chaos -- [--out <file>] [--short]` parsed. Pure: a bad argument is a UsageError.
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
  help: boolean;
}

export class UsageError extends Error {}

export const Usage = `usage: npm run chaos -- [--out <file.html>] [--short] [--restart-postgres]
  --out <file>   the HTML report (default chaos-report.html in the repository root);
                 the same data is written as JSON beside it (<name>.json)
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
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { out, short, help, 'restart-postgres': restartPostgres } = parsed.values;
  if (out !== undefined && !out.endsWith('.html')) throw new UsageError(`--out must name an .html file, got ${out}`);
  return {
    out: resolve(out ?? resolve(repoRoot, 'chaos-report.html')),
    short: short ?? false,
    restartPostgres: restartPostgres ?? false,
    help: help ?? false,
  };
}

/** The JSON report's path beside the HTML one. */
export const jsonPathOf = (htmlPath: string) => htmlPath.replace(/\.html$/, '.json');
