// `npm run chaos -- --short` through its real entry point (the built dist/, as npm run chaos runs
// it): a private mesh, the faults under load, the reconciliation; then the JSON is checked for
// every fault and the effects they must have had (feed's outage: home reads degraded, its lag
// piled up and drained, the feeds reconciled), and the HTML is opened in chromium.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, screenshot } from '#testing';
import { runChaosCli, withReportPage, type ChaosCliRun } from './chaos-cli.js';
import type { ChaosReport } from '../src/chaos-report-model.js';

// Generous: on a busy 2-core machine a replica may take 20 s to join after each scale back.
const RUN_BOUND_MS = 300_000;

// Kept after the run (test-artifacts/ is not committed): the report is worth a look.
const dir = resolve(REPO_ROOT, 'test-artifacts/chaos-report');
const htmlPath = join(dir, 'chaos-report.html');
let run: ChaosCliRun;
let report: ChaosReport;

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run = await runChaosCli(['--short', '--out', htmlPath], RUN_BOUND_MS);
  process.stdout.write(`${run.stdout}\n[chaos test] the short run took ${(run.ms / 1000).toFixed(1)} s\n`);
  if (run.code !== 0) process.stdout.write(`[chaos test] stderr:\n${run.stderr}\n`);
  report = JSON.parse(readFileSync(join(dir, 'chaos-report.json'), 'utf8')) as ChaosReport;
}, RUN_BOUND_MS + 30_000);

describe('npm run chaos -- --short', () => {
  it('exits 0 and prints the summary of what the JSON holds', () => {
    expect(run.code, run.stderr).toBe(0);
    const t = report.totals;
    expect(run.stdout).toContain(
      `[chaos] ${report.verdict.ok ? 'PASS' : 'FAIL'} ${report.verdict.headline} · ${t.requests} requests in ${report.durationS} s`,
    );
    expect(run.stdout).toContain(`[chaos] report: ${htmlPath}`);
  });

  it('ran every fault, in order, each on the load time axis', () => {
    expect(report.faults.map((f) => [f.id, f.kind])).toEqual([
      [1, 'scale-to-zero'],
      [2, 'scale-to-zero'],
      [3, 'scale-to-zero'],
      [4, 'scale-to-zero'],
      [5, 'sigkill'],
      [6, 'rolling-sigterm'],
      [7, 'sigstop'],
      [8, 'postgres'],
    ]);
    expect(report.faults.slice(0, 4).map((f) => f.service)).toEqual(['likes', 'feed', 'graph', 'notifications']);
    let previousEnd = 0;
    for (const f of report.faults) {
      expect(f.startS, f.label).toBeGreaterThan(previousEnd);
      expect(f.endS, f.label).toBeGreaterThan(f.startS);
      expect(f.endS, f.label).toBeLessThan(report.durationS);
      expect(f.detail, f.label).not.toBe('');
      previousEnd = f.endS;
    }
    // The short scenario's holds: SIGSTOP and PostgreSQL each about 3 s.
    for (const f of report.faults.filter((x) => x.kind === 'sigstop' || x.kind === 'postgres')) {
      expect(f.endS - f.startS, f.label).toBeGreaterThanOrEqual(2.9);
      expect(f.endS - f.startS, f.label).toBeLessThan(5);
    }
  });

  it('measured every second of the load, and the faults had their effect', () => {
    const s = report.series;
    expect(Math.abs(s.t.length - report.durationS), 'one point per second of load').toBeLessThanOrEqual(1);
    for (const key of [
      'reads',
      'writes',
      'failedReads',
      'readP99Ms',
      'degradedPercent',
      'homeDegradedPercent',
      'feedLag',
    ] as const) {
      expect(s[key], key).toHaveLength(s.t.length);
    }
    expect(
      s.reads.every((n) => n > 0),
      'a second without a read: the load stalled',
    ).toBe(true);
    const second = (at: number) => Math.floor(at);
    const [likesDown, , graphDown, , , , , postgres] = report.faults;
    // likes at 0: posts still load, degraded (docs/fail-soft.md); its like writes are refused.
    const degradedWhileLikesDown = s.degradedPercent.slice(second(likesDown.startS) + 1, second(likesDown.endS));
    expect(Math.max(...degradedWhileLikesDown.map((p) => p ?? 0))).toBeGreaterThan(50);
    // PostgreSQL away: DB-backed reads answer 503 — the report must show them, as expected ones.
    expect(postgres.failedReads).toBeGreaterThan(0);
    expect(postgres.failedReadsExpected).toBe(postgres.failedReads);
    expect(report.totals.failedReadsExpected).toBeGreaterThan(0);
    // graph at 0: follows and unfollows refused, as expected; no read failed for it.
    const followFailures = report.failures.filter((g) => g.route.endsWith('/users/:username/follow'));
    expect(followFailures.length).toBeGreaterThan(0);
    // A follow also looks its user up in identity: with PostgreSQL away, that lookup names identity.
    for (const g of followFailures)
      expect([g.status, ['graph', 'identity'].includes(g.service ?? ''), g.expected]).toEqual([503, true, true]);
    expect(followFailures.some((g) => g.service === 'graph')).toBe(true);
    expect(graphDown.failedReads).toBe(0);
  });

  it("served home reads degraded while feed was at 0, and feed's lag piled up and drained after its return", () => {
    const f = report.feeds;
    const feedDown = report.faults[1];
    expect(f.homeReads).toBeGreaterThan(20);
    expect(f.homeReadsFeedDown).toBeGreaterThan(0);
    expect(f.homeFailedFeedDown).toBe(0);
    // Every home read after the last feed replica was gone is degraded; the first ones may still be served by it.
    expect(f.homeDegradedFeedDown / f.homeReadsFeedDown).toBeGreaterThan(0.5);
    const during = report.series.homeDegradedPercent.slice(Math.floor(feedDown.startS) + 1, Math.floor(feedDown.endS));
    expect(Math.max(...during.map((p) => p ?? 0))).toBe(100);
    // Posts written while feed was down piled up on its consumers, then drained.
    expect(f.lagPeak).toBeGreaterThan(0);
    expect(f.lagPeakS).toBeGreaterThanOrEqual(feedDown.startS);
    expect(f.drainedAfterS).not.toBeNull();
    expect(report.series.feedLag.filter((v) => v !== null).length).toBeGreaterThan(report.durationS / 2);
    // Not the last reading: the poster writes to the end, and a post written just before it is
    // in flight (CI, 2026-12-08: readings of 1 in a third of the seconds after the drain, the last
    // among them). That feed catches up once the load stops, the run itself waits for (caughtUp).
  });

  it('left nothing missing or twice in the home feeds after catch-up', () => {
    const rec = report.feeds.reconciliation;
    expect({ missing: rec.missing, twice: rec.twice, extra: rec.extra }).toEqual({ missing: [], twice: [], extra: [] });
    // Three readers of the poster and the follower; the readers' feeds hold every post the poster wrote.
    expect(rec.users).toBe(4);
    expect(rec.checked).toBeGreaterThan(3 * 20);
  });

  it("answered every write while notifications was at 0, and after its catch-up the seeder's notifications are exactly what the writes call for", () => {
    const n = report.notifications;
    const down = report.faults[3];
    expect(down.service).toBe('notifications');
    // Likes, comments and follows kept coming while it was down, and none failed for it.
    expect(n.writesWhileDown).toBeGreaterThan(5);
    expect(n.failedWritesWhileDown).toBe(0);
    expect(report.failures.filter((g) => g.service === 'notifications')).toEqual([]);
    // Its events piled up while it was down, then drained.
    expect(n.lagPeak).toBeGreaterThan(0);
    expect(n.drainedAfterS).not.toBeNull();
    const rec = n.reconciliation;
    expect({ missing: rec.missing, twice: rec.twice, extra: rec.extra, wrongCount: rec.wrongCount }).toEqual({
      missing: [],
      twice: [],
      extra: [],
      wrongCount: [],
    });
    expect(rec.unread).toBe(rec.unreadExpected);
    expect(rec.listed).toBe(rec.expected);
    // Like groups for most of the 40 targets, the commenter's comments and perhaps the follow.
    expect(rec.listed).toBeGreaterThan(20);
  });

  it('lost no acknowledged write and doubled none', () => {
    expect({ lost: report.lostWrites, duplicated: report.duplicatedWrites }).toEqual({ lost: [], duplicated: [] });
    expect(report.totals.writes).toBeGreaterThan(50);
    process.stdout.write(`[chaos test] figures: ${JSON.stringify(report.totals)}\n`);
  });

  it('renders a page a person can read: the verdict, five charts, a label per fault, the feeds', async () => {
    await withReportPage(htmlPath, async (page, errors) => {
      await page.locator('body[data-charts="5"]').waitFor({ timeout: 10_000 });

      const verdict = page.locator('h1.verdict');
      await expect.poll(() => verdict.innerText()).toContain(report.verdict.headline.split(' · ')[0]);
      expect(await verdict.getAttribute('class')).toContain(report.verdict.ok ? 'ok' : 'not-ok');
      for (const part of report.verdict.headline.split(' · ')) expect(await verdict.innerText()).toContain(part);

      // Five uPlot charts, each with a drawn canvas of real size.
      const canvases = page.locator('#charts .uplot canvas');
      expect(await canvases.count()).toBe(5);
      for (let i = 0; i < 5; i++) {
        const box = await canvases.nth(i).boundingBox();
        expect(box?.width, `chart ${i} width`).toBeGreaterThan(600);
        expect(box?.height, `chart ${i} height`).toBeGreaterThan(100);
      }
      // Every fault labelled above the charts, left to right in time, inside the plot's width.
      const first = (await canvases.first().boundingBox())!;
      const labels = page.locator('#lane .fault-label');
      expect(await labels.count()).toBe(report.faults.length);
      let lastLeft = -1;
      for (const f of report.faults) {
        const label = page.locator(`#lane .fault-label[data-fault="${f.id}"]`);
        await expect.poll(() => label.isVisible()).toBe(true);
        expect(await label.innerText()).toContain(f.label);
        expect(await label.locator('.badge').innerText()).toBe(String(f.id));
        const box = (await label.boundingBox())!;
        expect(box.x, f.label).toBeGreaterThan(lastLeft);
        expect(box.x, f.label).toBeGreaterThanOrEqual(first.x);
        expect(box.x + box.width, f.label).toBeLessThanOrEqual(first.x + first.width + 1);
        lastLeft = box.x;
      }
      // The fault table and the totals are there as text too.
      expect(await page.locator('table.faults tbody tr').count()).toBe(report.faults.length);
      expect(await page.locator('.totals .card').count()).toBeGreaterThanOrEqual(8);
      const feeds = page.locator('section.feeds');
      expect(await feeds.locator('.card').count()).toBe(4);
      expect(await feeds.innerText()).toContain(
        `${report.feeds.homeDegradedFeedDown} of ${report.feeds.homeReadsFeedDown} degraded`,
      );
      const notifications = page.locator('section.notifications');
      expect(await notifications.locator('.card').count()).toBe(4);
      expect(await notifications.innerText()).toContain(
        `${report.notifications.reconciliation.listed} listed of ${report.notifications.reconciliation.expected} called for`,
      );
      expect(errors).toEqual([]);
      process.stdout.write(`[chaos test] screenshot ${await screenshot(page, 'chaos-report')}\n`);
    });
  }, 60_000);
});
