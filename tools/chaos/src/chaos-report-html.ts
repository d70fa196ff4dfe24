// chaos-report.html: one self-contained file that works offline. The verdict, the totals and the
// fault table are plain HTML (readable even without script); the five charts are uPlot (MIT, ~50 KB
// minified, canvas, built for time series), inlined from node_modules with its CSS, all on one
// x axis with the faults drawn as numbered bands through every chart.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { notificationErrors } from '#testing';
import { feedErrors } from './chaos-figures.js';
import type { ChaosReport } from './chaos-report-model.js';
import { REPORT_SCRIPT } from './chaos-report-script.js';
import { REPORT_STYLE } from './chaos-report-style.js';

const require = createRequire(import.meta.url);

/** uPlot's script and CSS, read from node_modules to be inlined (the overload report uses them too). */
export function uplotAssets(): { js: string; css: string } {
  return {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

export const esc = (s: string | number) =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const ms = (n: number) => `${Math.round(n).toLocaleString('en')} ms`;
const int = (n: number) => n.toLocaleString('en');

/** "0 lost" in green, "3 lost" in red: each figure of the headline says itself whether it is fine. */
function figure(n: number, text: string): string {
  return `<span class="fig ${n === 0 ? 'good' : 'bad'}"><b>${int(n)}</b> ${esc(text)}</span>`;
}

function headline(r: ChaosReport): string {
  const t = r.totals;
  const parts = [
    figure(t.failedReadsUnexpected, t.failedReadsExpected > 0 ? 'unexpected failed reads' : 'failed reads'),
    ...(t.failedWritesUnexpected > 0 ? [figure(t.failedWritesUnexpected, 'unexpected failed writes')] : []),
    figure(t.lost, 'lost'),
    figure(t.duplicated, 'duplicated'),
    ...(feedErrors(r.feeds.reconciliation) > 0
      ? [figure(feedErrors(r.feeds.reconciliation), 'wrong home-feed entries')]
      : []),
    ...(notificationErrors(r.notifications.reconciliation) > 0
      ? [figure(notificationErrors(r.notifications.reconciliation), 'wrong notifications')]
      : []),
  ];
  return (
    `<h1 class="verdict ${r.verdict.ok ? 'ok' : 'not-ok'}" data-ok="${r.verdict.ok}">` +
    `<span class="mark" aria-hidden="true">${r.verdict.ok ? '✓' : '✗'}</span>` +
    `<span class="sr">${r.verdict.ok ? 'Pass:' : 'Fail:'}</span> ${parts.join('<span class="dot"> · </span>')}</h1>`
  );
}

function card(label: string, value: string, o: { bad?: boolean; note?: string } = {}): string {
  return (
    `<div class="card${o.bad ? ' bad' : ''}"><div class="label">${esc(label)}</div>` +
    `<div class="value">${esc(value)}</div>${o.note ? `<div class="note">${esc(o.note)}</div>` : ''}</div>`
  );
}

function totalsCards(r: ChaosReport): string {
  const t = r.totals;
  return [
    card('requests', int(t.requests), { note: `${int(t.reads)} reads · ${int(t.writeAttempts)} write attempts` }),
    card('failed reads', int(t.failedReads), {
      bad: t.failedReadsUnexpected > 0,
      note: `${int(t.failedReadsExpected)} expected · ${int(t.failedReadsUnexpected)} unexpected`,
    }),
    card('failed writes', `${int(t.failedWrites)} of ${int(t.writes)}`, {
      bad: t.failedWritesUnexpected > 0,
      note: `after 4 tries each · ${int(t.failedWritesExpected)} expected`,
    }),
    card('lost writes', int(t.lost), { bad: t.lost > 0, note: 'acknowledged, then absent' }),
    card('duplicated writes', int(t.duplicated), { bad: t.duplicated > 0, note: 'one key, two effects' }),
    card('timed out', int(t.timedOut), { note: 'no answer in 3 s (reads) / 3.5 s (writes)' }),
    card('degraded reads', int(t.degradedReads), { note: 'a post without its likes, comments or media' }),
    card('worst read', ms(t.worstReadMs), { note: `p50 ${ms(t.readP50Ms)} · p99 ${ms(t.readP99Ms)}` }),
    card('worst write', ms(t.worstWriteMs), { note: 'one attempt' }),
  ].join('');
}

/** A fault's failures: red only when some were not ones docs/fail-soft.md allows. */
function failures(n: number, expected: number): string {
  if (n === 0) return '<td class="num">0</td>';
  const unexpected = n - expected;
  return unexpected === 0
    ? `<td class="num">${int(n)} <small>expected</small></td>`
    : `<td class="num warn">${int(n)} <small>${int(unexpected)} unexpected</small></td>`;
}

function faultTable(r: ChaosReport): string {
  const rows = r.faults
    .map(
      (f) =>
        `<tr><td class="num"><span class="badge">${f.id}</span></td><th scope="row">${esc(f.label)}</th>` +
        `<td class="num">${f.startS.toFixed(1)}–${f.endS.toFixed(1)} s</td>` +
        failures(f.failedReads, f.failedReadsExpected) +
        failures(f.failedWrites, f.failedWritesExpected) +
        `<td class="what">${esc(f.detail)}</td></tr>`,
    )
    .join('');
  return (
    `<table class="faults"><caption>The faults, in order (failures counted from a fault's start until 5 s after ` +
    `its end, or the next fault)</caption>` +
    `<thead><tr><th scope="col">#</th><th scope="col">fault</th><th scope="col">from–to</th>` +
    `<th scope="col">failed reads</th><th scope="col">failed writes</th><th scope="col">what was done</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>`
  );
}

function failureTable(r: ChaosReport): string {
  if (r.failures.length === 0) return '';
  const rows = r.failures
    .map(
      (g) =>
        `<tr class="${g.expected ? '' : 'unexpected'}"><th scope="row">${esc(g.route)}</th>` +
        `<td class="num">${g.status === 0 ? 'no answer' : g.status}${g.service ? ` <small>${esc(g.service)}</small>` : ''}</td>` +
        `<td class="num">${int(g.count)}</td><td class="num">${g.firstS.toFixed(1)}–${g.lastS.toFixed(1)} s</td>` +
        `<td>${g.expected ? 'expected' : '<b>unexpected</b>'}</td></tr>`,
    )
    .join('');
  return (
    `<table class="failures"><caption>What failed (a write counts once, with the status of its last try)</caption>` +
    `<thead><tr><th scope="col">route</th><th scope="col">status, service</th><th scope="col">count</th>` +
    `<th scope="col">sent</th><th scope="col">allowed by docs/fail-soft.md?</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

/** The home feed during feed's outage and after: fallback reads, the lag and its drain, the reconciliation. */
function feedsSection(r: ChaosReport): string {
  const f = r.feeds;
  const rec = f.reconciliation;
  const wrong = feedErrors(rec);
  const keys = [
    ...rec.missing.map((k) => `missing ${k}`),
    ...rec.twice.map((k) => `twice ${k}`),
    ...rec.extra.map((k) => `not a followee's ${k}`),
  ];
  return (
    `<section class="feeds" aria-labelledby="feeds-title"><h2 id="feeds-title">Home feeds</h2>` +
    `<div class="totals">` +
    card('home reads while feed was down', `${int(f.homeDegradedFeedDown)} of ${int(f.homeReadsFeedDown)} degraded`, {
      bad: f.homeFailedFeedDown > 0,
      note: `built at read time from graph and posts · ${int(f.homeFailedFeedDown)} failed`,
    }) +
    card("feed's consumer lag, peak", int(f.lagPeak), {
      note: `events pending + in flight${f.lagPeakS === null ? '' : ` at ${f.lagPeakS.toFixed(1)} s`}`,
    }) +
    card('drained after its return', f.drainedAfterS === null ? 'not seen' : `${f.drainedAfterS.toFixed(1)} s`, {
      bad: f.drainedAfterS === null,
      note: 'from the scale back to the first reading of 0',
    }) +
    card('feeds reconciled', `${int(wrong)} wrong`, {
      bad: wrong > 0,
      note: `${int(rec.users)} home feeds, ${int(rec.checked)} entries: ${rec.missing.length} missing, ${rec.twice.length} twice, ${rec.extra.length} not a followee's`,
    }) +
    `</div>` +
    (keys.length > 0 ? `<pre>${esc(keys.join('\n'))}</pre>` : '') +
    `</section>`
  );
}

/** notifications during its outage and after: the writes it did not slow, its lag and drain, the reconciliation. */
function notificationsSection(r: ChaosReport): string {
  const n = r.notifications;
  const rec = n.reconciliation;
  const wrong = notificationErrors(rec);
  const keys = [
    ...rec.missing.map((k) => `missing ${k}`),
    ...rec.twice.map((k) => `twice ${k}`),
    ...rec.extra.map((k) => `not called for ${k}`),
    ...rec.wrongCount.map((k) => `counting wrong ${k}`),
    ...(rec.unread === rec.unreadExpected ? [] : [`unread count ${rec.unread}, ${rec.unreadExpected} listed unread`]),
  ];
  return (
    `<section class="notifications" aria-labelledby="notifications-title"><h2 id="notifications-title">Notifications</h2>` +
    `<div class="totals">` +
    card(
      'writes while notifications was down',
      `${int(n.writesWhileDown - n.failedWritesWhileDown)} of ${int(n.writesWhileDown)} answered`,
      { bad: n.failedWritesWhileDown > 0, note: 'likes, comments, follows: none needs notifications' },
    ) +
    card("notifications' consumer lag, peak", int(n.lagPeak), {
      note: `events pending + in flight${n.lagPeakS === null ? '' : ` at ${n.lagPeakS.toFixed(1)} s`}`,
    }) +
    card('drained after its return', n.drainedAfterS === null ? 'not seen' : `${n.drainedAfterS.toFixed(1)} s`, {
      bad: n.drainedAfterS === null,
      note: 'from the scale back to the first reading of 0',
    }) +
    card('notifications reconciled', `${int(wrong)} wrong`, {
      bad: wrong > 0,
      note:
        `${int(rec.listed)} listed of ${int(rec.expected)} called for: ${rec.missing.length} missing, ${rec.twice.length} twice, ` +
        `${rec.extra.length} not called for, ${rec.wrongCount.length} counting wrong · unread ${int(rec.unread)}`,
    }) +
    `</div>` +
    (keys.length > 0 ? `<pre>${esc(keys.join('\n'))}</pre>` : '') +
    `</section>`
  );
}

export function renderReportHtml(r: ChaosReport): string {
  const { js, css } = uplotAssets();
  const replicas = Object.entries(r.replicas)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const data = JSON.stringify(r).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>failsoft chaos report · ${esc(r.verdict.headline)}</title>
<style>${css}</style>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header>
${headline(r)}
<p class="expected">${esc(r.verdict.expected)}</p>
<p class="meta">failsoft chaos run · ${esc(r.scenario)} scenario · ${esc(r.startedAt.replace('T', ' ').slice(0, 19))} UTC ·
${esc(r.durationS)} s of steady load (4 readers, every fourth read a home feed; 1 poster, 1 liker, 1 commenter, 1 follower) · ${esc(replicas)} + 1 edge ·
${esc(r.machine.cpus)} CPUs, load average ${esc(r.machine.loadAverage)} · Node ${esc(r.machine.node)}</p>
</header>
<main>
<section class="totals" aria-label="totals">${totalsCards(r)}</section>
<section id="charts" aria-label="per-second charts">
<p class="how">Every chart shares the time axis (seconds since the load started). Shaded, numbered bands are the faults
(start line solid, end line dashed); hover a chart to read all five at that second.</p>
<div id="lane" class="lane" aria-hidden="true"></div>
<figure><figcaption>Requests per second</figcaption><div class="chart" id="chart-rps"></div></figure>
<figure><figcaption>Errors per second <small>(failed reads; refused write attempts, which the client retries; timeouts; a big red dot = a failure no fault allowed)</small></figcaption><div class="chart" id="chart-errors"></div></figure>
<figure><figcaption>p99 latency per second, ms <small>(log scale)</small></figcaption><div class="chart" id="chart-p99"></div></figure>
<figure><figcaption>Degraded reads, % of reads per second <small>(served without likes, comments or media; home reads built without feed)</small></figcaption><div class="chart" id="chart-degraded"></div></figure>
<figure><figcaption>feed's consumer lag <small>(events pending + in flight on feed's durables, as GET /mesh said each second)</small></figcaption><div class="chart" id="chart-lag"></div></figure>
</section>
${feedsSection(r)}
${notificationsSection(r)}
${faultTable(r)}
${failureTable(r)}
${
  r.lostWrites.length + r.duplicatedWrites.length > 0
    ? `<section class="keys"><h2>Lost and duplicated writes</h2><pre>${esc([...r.lostWrites.map((k) => `lost ${k}`), ...r.duplicatedWrites.map((k) => `duplicated ${k}`)].join('\n'))}</pre></section>`
    : ''
}
</main>
<script>${js}</script>
<script type="application/json" id="chaos-data">${data}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
