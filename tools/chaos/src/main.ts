// `npm run chaos [-- --short] [-- --out file.html] [-- --restart-postgres]`: a scripted run of faults under load on a
// private mesh, written as chaos-report.html (+ .json). With --overload: the overload drill instead,
// written as overload-report.html (+ .json); exit 1 when one of its pass criteria failed. Exit 1 when an acknowledged write was
// lost or one key wrote twice, or a home feed lacked a post or held one twice after catch-up, or
// the seeder's notifications were not what its likes, comments and follows call for; failed reads are reported, not fatal. Exit 2 on bad arguments.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { notificationErrors, REPO_ROOT } from '#testing';
import { jsonPathOf, parseChaosArgs, Usage, UsageError } from './chaos-args.js';
import { feedErrors, summaryLine } from './chaos-figures.js';
import { renderReportHtml } from './chaos-report-html.js';
import { runChaos } from './chaos-run.js';
import { renderOverloadHtml } from './overload-report-html.js';
import { runOverload } from './overload-run.js';

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const args = parseChaosArgs(process.argv.slice(2), REPO_ROOT);
  if (args.help) {
    log(Usage);
    return 0;
  }
  let cleanup: (() => Promise<void>) | undefined;
  const interrupted = (signal: NodeJS.Signals) => {
    process.stderr.write(`chaos: ${signal}: stopping the mesh and giving the database back…\n`);
    void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  if (args.overload) {
    const report = await runOverload({ short: args.short, log, onCleanup: (c) => (cleanup = c) });
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(jsonPathOf(args.out), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(args.out, renderOverloadHtml(report));
    log(`[overload] report: ${args.out} (data: ${jsonPathOf(args.out)})`);
    for (const c of report.criteria) log(`[overload] ${c.pass ? 'pass' : 'FAIL'} ${c.name}: ${c.measured}`);
    log(
      `[overload] ${report.verdict.ok ? 'PASS' : 'FAIL'} ${report.verdict.passed} of ${report.verdict.of} criteria · knee ${report.kneeRatePerSec} req/s · ${report.durationS} s`,
    );
    return report.verdict.ok ? 0 : 1;
  }
  const report = await runChaos({
    short: args.short,
    restartPostgres: args.restartPostgres,
    log,
    onCleanup: (c) => (cleanup = c),
  });
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(jsonPathOf(args.out), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(args.out, renderReportHtml(report));
  log(`[chaos] report: ${args.out} (data: ${jsonPathOf(args.out)})`);
  log(summaryLine(report));
  const wrong =
    report.totals.lost +
    report.totals.duplicated +
    feedErrors(report.feeds.reconciliation) +
    notificationErrors(report.notifications.reconciliation);
  return wrong > 0 ? 1 : 0;
}

let code: number;
try {
  code = await main();
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`chaos: ${err.message}\n${Usage}\n`);
    code = 2;
  } else {
    process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    code = 1;
  }
}
process.exit(code);
