// `npm run chaos -- --overload --short` through its real entry point (the built dist/): two real
// meshes, one with the overload mechanisms and one without, the same open-loop steps at the same
// multiples of the knee it found. Absolute figures on a shared 2-core machine mean little, so the
// assertions compare the two arms of the same run, and check what the mechanisms must do whatever
// the machine: refuse fast with Retry-After past the knee, keep retries within budget, move a
// frozen replica's share to the others. Then the HTML is opened in chromium.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, screenshot } from '#testing';
import { runChaosCli, withReportPage, type ChaosCliRun } from './chaos-cli.js';
import type { OverloadReport } from '../src/overload-model.js';

const RUN_BOUND_MS = 480_000;
const dir = resolve(REPO_ROOT, 'test-artifacts/overload-report');
const htmlPath = join(dir, 'overload-report.html');
let run: ChaosCliRun;
let report: OverloadReport;

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run = await runChaosCli(['--overload', '--short', '--out', htmlPath], RUN_BOUND_MS);
  process.stdout.write(`${run.stdout}\n[overload test] the short drill took ${(run.ms / 1000).toFixed(1)} s\n`);
  if (run.code !== 0) process.stdout.write(`[overload test] exit ${run.code}; stderr:\n${run.stderr}\n`);
  report = JSON.parse(readFileSync(join(dir, 'overload-report.json'), 'utf8')) as OverloadReport;
}, RUN_BOUND_MS + 30_000);

const arm = (protection: boolean) => report.arms.find((a) => a.protection === protection)!;
const step = (protection: boolean, multiple: number) => arm(protection).steps.find((s) => s.multiple === multiple)!;

describe('npm run chaos -- --overload --short', () => {
  it('ends by itself with its verdict (exit 0 when every criterion passed, 1 when one did not), as the JSON says', () => {
    expect(run.code, run.stderr).toBe(report.verdict.ok ? 0 : 1);
    expect(run.stdout).toContain(
      `[overload] ${report.verdict.ok ? 'PASS' : 'FAIL'} ${report.verdict.passed} of ${report.verdict.of} criteria · knee ${report.kneeRatePerSec} req/s`,
    );
    for (const c of report.criteria)
      expect(run.stdout).toContain(`${c.pass ? 'pass' : 'FAIL'} ${c.name}: ${c.measured}`);
    expect(report.criteria).toHaveLength(8);
  });

  it('found a knee by its sweep and ran both arms at the same multiples of it', () => {
    const served = report.sweep.filter((l) => l.servesWell).map((l) => l.ratePerSec);
    expect(report.kneeRatePerSec).toBe(Math.max(...served));
    expect(report.arms.map((a) => a.protection)).toEqual([true, false]);
    for (const a of report.arms) {
      expect(a.steps.map((s) => s.ratePerSec)).toEqual(
        [0.5, 1, 2, 4].map((m) => Math.round(report.kneeRatePerSec * m)),
      );
      for (const s of a.steps) expect(s.offered).toBeGreaterThan(s.ratePerSec * s.seconds * 0.7);
      expect(a.spike.highRatePerSec).toBe(Math.round(report.kneeRatePerSec * 4));
      expect(a.spike.series.length).toBe(a.spike.seconds * 2);
    }
  });

  it('at 4× the knee, the mechanisms keep more goodput and fewer timeouts than no mechanisms, refusing fast with Retry-After', () => {
    const on = step(true, 4);
    const off = step(false, 4);
    expect(on.goodputPerSec).toBeGreaterThanOrEqual(off.goodputPerSec);
    expect(on.slowShare).toBeLessThan(off.slowShare);
    expect(on.fates.refusedFast + on.fates.degraded).toBeGreaterThan(0);
    expect(on.refusalsWithRetryAfter).toBe(1);
    // Without the mechanisms nothing is refused or browned out: the overflow waits instead.
    expect(off.fates.degraded).toBe(0);
  });

  it('keeps retries within their budget at every step with the mechanisms on', () => {
    for (const s of arm(true).steps) expect(s.amplification, `${s.multiple}×`).toBeLessThanOrEqual(1.2);
    expect(arm(true).spike.amplification).toBeLessThanOrEqual(1.2);
  });

  it('moves most of a frozen replica’s share to the others when the mechanisms are on', () => {
    const s = arm(true).slowReplica;
    const healthy = s.healthy.find((r) => r.slow)!.share;
    const during = s.during.find((r) => r.slow)!.share;
    expect(s.during).toHaveLength(3);
    expect(during).toBeLessThan(healthy * 0.6);
  });

  it('renders the curves and the tables in chromium', async () => {
    await withReportPage(htmlPath, async (page, errors) => {
      await page.locator('body[data-charts="6"]').waitFor({ timeout: 10_000 });
      const canvases = page.locator('#charts .uplot canvas');
      expect(await canvases.count()).toBe(6);
      for (let i = 0; i < 6; i++) expect((await canvases.nth(i).boundingBox())?.height).toBeGreaterThan(100);
      expect(await page.locator('h1.verdict').innerText()).toContain(
        `${report.verdict.passed} of ${report.verdict.of} criteria pass`,
      );
      expect(await page.locator('table.criteria tbody tr').count()).toBe(report.criteria.length);
      expect(await page.locator('table.steps').count()).toBe(2);
      expect(await page.locator('table.steps[data-arm="on"] tbody tr').count()).toBe(4);
      expect(errors).toEqual([]);
      process.stdout.write(`[overload test] screenshot ${await screenshot(page, 'overload-report')}\n`);
    });
  }, 60_000);
});
