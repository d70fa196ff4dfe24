// overload-report.html: one self-contained file (works offline). The verdict, the criteria and the
// step tables are plain HTML; the curves (offered rate → goodput, p99, how the rest was answered)
// and the spike's p99 over time are uPlot charts, the arm with the mechanisms beside the arm without.
import { esc, uplotAssets } from './chaos-report-html.js';
import type { OverloadArm, OverloadReport } from './overload-model.js';
import { REPORT_STYLE } from './chaos-report-style.js';

const pct = (n: number) => `${(Math.round(n * 1000) / 10).toFixed(1)} %`;

function criteriaTable(r: OverloadReport): string {
  const rows = r.criteria
    .map(
      (c) =>
        `<tr class="${c.pass ? '' : 'unexpected'}"><td>${c.pass ? '✓ pass' : '<b>✗ fail</b>'}</td>` +
        `<th scope="row">${esc(c.name)}</th><td class="what">${esc(c.measured)}</td></tr>`,
    )
    .join('');
  return (
    `<table class="criteria"><caption>The pass criteria, judged on the arm with the mechanisms on (the other arm beside it)</caption>` +
    `<thead><tr><th scope="col">verdict</th><th scope="col">criterion</th><th scope="col">measured</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

function stepTable(a: OverloadArm): string {
  const rows = a.steps
    .map(
      (s) =>
        `<tr><th scope="row">${s.multiple}× · ${s.ratePerSec}/s${s.slices > 1 ? ` · ${s.slices} turns` : ''}</th><td class="num">${s.goodputPerSec}/s</td>` +
        `<td class="num">${pct(s.goodShare - s.degradedShare)}</td><td class="num">${pct(s.degradedShare)}</td>` +
        `<td class="num">${pct(s.refusedShare)}</td><td class="num">${pct(s.slowShare)}</td>` +
        `<td class="num">${s.p50Ms} ms</td><td class="num">${s.p99Ms} ms</td><td class="num">${s.amplification}</td>` +
        `<td class="num">${s.rss.edgeMb} / ${s.rss.largestReplicaMb} MB</td><td class="num">${s.generatorLagP99Ms} ms</td></tr>`,
    )
    .join('');
  return (
    `<table class="steps" data-arm="${a.arm}"><caption>Mechanisms ${a.protection ? 'on' : 'off'} (OVERLOAD_PROTECTION=${a.protection})</caption>` +
    `<thead><tr><th scope="col">step</th><th scope="col">goodput</th><th scope="col">full</th><th scope="col">degraded</th>` +
    `<th scope="col">refused fast</th><th scope="col">late or failed slowly</th><th scope="col">p50</th><th scope="col">p99</th>` +
    `<th scope="col">amplification</th><th scope="col">RSS edge / largest replica</th><th scope="col">generator lag p99</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>`
  );
}

function slowTable(r: OverloadReport): string {
  const rows = r.arms
    .map((a) => {
      const s = a.slowReplica;
      const slowShare = (rows: typeof s.during) => rows.find((x) => x.slow)?.share ?? 0;
      const others = (rows: typeof s.during) =>
        rows
          .filter((x) => !x.slow)
          .map((x) => `${x.meanMs} ms`)
          .join(', ');
      return (
        `<tr><th scope="row">${a.protection ? 'on' : 'off'}</th><td class="num">${s.ratePerSec}/s</td>` +
        `<td class="num">${pct(s.degradedShare)}</td><td class="num">${s.readP99Ms} / ${s.p99Ms} ms</td>` +
        `<td class="num">${pct(slowShare(s.healthy))} → ${pct(slowShare(s.during))}</td>` +
        `<td>${esc(others(s.healthy))} → ${esc(others(s.during))}</td></tr>`
      );
    })
    .join('');
  const how = r.arms[0]?.slowReplica.how ?? '';
  const multiple = r.arms[0]?.slowReplica.multiple ?? 1;
  return (
    `<table class="slow"><caption>One slow replica (${esc(how)}), at ${multiple}× the knee</caption>` +
    `<thead><tr><th scope="col">mechanisms</th><th scope="col">rate</th><th scope="col">degraded</th><th scope="col">p99 reads / all</th>` +
    `<th scope="col">slow replica's share, healthy → frozen</th><th scope="col">the others' mean handling, healthy → frozen</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>`
  );
}

const SCRIPT = String.raw`
(function () {
  'use strict';
  var r = JSON.parse(document.getElementById('overload-data').textContent);
  var on = r.arms.filter(function (a) { return a.protection; })[0];
  var off = r.arms.filter(function (a) { return !a.protection; })[0];
  var W = Math.min(1100, document.body.clientWidth - 40);
  var ON = '#0a6b2d', OFF = '#a3131b';
  function rates(a) { return a.steps.map(function (s) { return s.ratePerSec; }); }
  function col(a, f) { return a.steps.map(f); }
  function curve(id, title, field, unit, log) {
    var el = document.getElementById(id);
    var opts = {
      width: W, height: 220, title: title,
      scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
      axes: [{ label: 'offered, req/s' }, { label: unit, size: 60 }],
      series: [{}, { label: 'mechanisms on', stroke: ON, width: 2, points: { size: 7 } },
        { label: 'off', stroke: OFF, width: 2, dash: [6, 4], points: { size: 7 } }],
    };
    new uPlot(opts, [rates(on), col(on, field), col(off, field)], el);
    el.dataset.drawn = 'true';
  }
  curve('chart-goodput', 'Goodput (2xx within 500 ms, full or degraded)', function (s) { return s.goodputPerSec; }, 'req/s');
  curve('chart-p99', 'p99 from intended start (log)', function (s) { return Math.max(1, s.p99Ms); }, 'ms', true);
  curve('chart-degraded', 'Degraded answers', function (s) { return s.degradedShare * 100; }, '% of offered');
  curve('chart-refused', 'Refused fast (503 + Retry-After within 500 ms)', function (s) { return s.refusedShare * 100; }, '% of offered');
  curve('chart-slow', 'Late or failed slowly (the timeouts)', function (s) { return s.slowShare * 100; }, '% of offered');

  var el = document.getElementById('chart-spike');
  var t = on.spike.series.map(function (w) { return w.atS; });
  var band = {
    hooks: { drawClear: [function (u) {
      var x0 = u.valToPos(on.spike.spikeFromS, 'x', true), x1 = u.valToPos(on.spike.spikeToS, 'x', true);
      u.ctx.save(); u.ctx.fillStyle = 'rgba(245, 158, 11, 0.18)';
      u.ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height); u.ctx.restore();
    }] },
  };
  new uPlot({
    width: W, height: 240, title: 'Spike: p99 per 500 ms by intended start (log); shaded: 4× the knee',
    plugins: [band],
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [{ label: 's' }, { label: 'ms', size: 60 }],
    series: [{}, { label: 'mechanisms on', stroke: ON, width: 2 }, { label: 'off', stroke: OFF, width: 2, dash: [6, 4] }],
  }, [t, on.spike.series.map(function (w) { return Math.max(1, w.p99Ms); }),
      off.spike.series.map(function (w) { return Math.max(1, w.p99Ms); })], el);
  el.dataset.drawn = 'true';
  document.body.dataset.charts = String(document.querySelectorAll('#charts .uplot').length);
})();
`;

export function renderOverloadHtml(r: OverloadReport): string {
  const { js, css } = uplotAssets();
  const replicas = Object.entries(r.replicas)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const mix = r.mix.map((k) => `${k.weight} % ${k.name}`).join(', ');
  const data = JSON.stringify(r).replace(/</g, '\\u003c');
  const sweep = r.sweep.map((l) => `${l.ratePerSec}/s ${l.servesWell ? '✓' : '✗'} (p99 ${l.p99Ms} ms)`).join(' · ');
  const rec = (a: OverloadArm) => (a.spike.recoveryS === null ? 'not by the end' : `${a.spike.recoveryS} s`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>failsoft overload drill · ${r.verdict.passed} of ${r.verdict.of} criteria</title>
<style>${css}</style>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header>
<h1 class="verdict ${r.verdict.ok ? 'ok' : 'not-ok'}" data-ok="${r.verdict.ok}"><span class="mark" aria-hidden="true">${r.verdict.ok ? '✓' : '✗'}</span>
${r.verdict.passed} of ${r.verdict.of} criteria pass · knee ${r.kneeRatePerSec} req/s</h1>
<p class="meta">failsoft overload drill · ${esc(r.scenario)} · ${esc(r.startedAt.replace('T', ' ').slice(0, 19))} UTC · ${esc(r.durationS)} s ·
open loop (Poisson arrivals, latency from each request's intended start) · mix: ${esc(mix)} · ${esc(replicas)} + 1 edge ·
${esc(r.machine.cpus)} CPUs, load average ${esc(r.machine.loadAverage)} · Node ${esc(r.machine.node)} · generator priority ${esc(r.generatorPriority)}</p>
<p class="meta">knee sweep: ${esc(sweep)} · below the knee both arms' meshes were up and took turns (“N turns” in the tables) · after the spike, p99 under 500 ms: on ${esc(rec(r.arms[0]))}, off ${esc(rec(r.arms[1]))}</p>
</header>
<main>
${criteriaTable(r)}
<section id="charts" aria-label="curves">
<figure><div class="chart" id="chart-goodput"></div></figure>
<figure><div class="chart" id="chart-p99"></div></figure>
<figure><div class="chart" id="chart-degraded"></div></figure>
<figure><div class="chart" id="chart-refused"></div></figure>
<figure><div class="chart" id="chart-slow"></div></figure>
<figure><div class="chart" id="chart-spike"></div></figure>
</section>
${r.arms.map(stepTable).join('\n')}
${slowTable(r)}
</main>
<script>${js}</script>
<script type="application/json" id="overload-data">${data}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
