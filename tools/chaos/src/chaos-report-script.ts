// The report page's script (inlined into chaos-report.html, after uPlot): five uPlot charts on one
// x axis with synced cursors, the faults as numbered bands through each, and their labels in a
// lane above the first chart, placed on the same pixels. Plain browser JavaScript, kept small;
// the chaos report test opens the page in chromium and checks what it drew.
export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var report = JSON.parse(document.getElementById('chaos-data').textContent);
  var s = report.series;
  var faults = report.faults;
  var root = document.getElementById('charts');
  var lane = document.getElementById('lane');
  var Y_AXIS = 64;
  var HEIGHT = 170;
  var maxT = Math.max(s.t.length, 1);
  var sync = uPlot.sync('chaos');

  function px(u, v) { return u.valToPos(v, 'x', true); }

  // Bands under the series: a fault from its start to its end, start solid, end dashed, its number on top.
  var faultBands = {
    hooks: {
      drawClear: [function (u) {
        var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
        ctx.save();
        faults.forEach(function (f) {
          var x0 = px(u, f.startS), x1 = Math.max(px(u, f.endS), x0 + 2);
          ctx.fillStyle = 'rgba(245, 158, 11, 0.16)';
          ctx.fillRect(x0, top, x1 - x0, h);
        });
        ctx.restore();
      }],
      draw: [function (u) {
        var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height, r = uPlot.pxRatio;
        ctx.save();
        ctx.strokeStyle = '#b45309';
        ctx.lineWidth = 1.5 * r;
        faults.forEach(function (f) {
          var x0 = Math.round(px(u, f.startS)), x1 = Math.round(px(u, f.endS));
          ctx.setLineDash([]);
          ctx.beginPath(); ctx.moveTo(x0, top); ctx.lineTo(x0, top + h); ctx.stroke();
          ctx.setLineDash([4 * r, 3 * r]);
          ctx.beginPath(); ctx.moveTo(x1, top); ctx.lineTo(x1, top + h); ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = '#b45309';
          ctx.font = 'bold ' + 11 * r + 'px system-ui, sans-serif';
          ctx.fillText(String(f.id), x0 + 3 * r, top + 12 * r);
        });
        ctx.restore();
      }],
    },
  };

  function line(label, color, o) {
    var x = { label: label, stroke: color, width: 1.5, spanGaps: false, points: { show: false } };
    for (var k in o || {}) x[k] = o[k];
    return x;
  }
  function fmt(unit, digits) {
    return function (u, v) { return v == null ? '–' : v.toFixed(digits) + unit; };
  }

  var charts = [
    { id: 'chart-rps', data: [s.t, s.reads, s.writes],
      series: [line('reads/s', '#1d4ed8', { value: fmt('', 0) }), line('write attempts/s', '#0f766e', { value: fmt('', 0) })],
      y: { range: function (u, lo, hi) { return [0, Math.max(10, hi * 1.1)]; } } },
    { id: 'chart-errors',
      data: [s.t, s.failedReads, s.failedWriteAttempts, s.timedOut,
        s.unexpectedFailedReads.map(function (v) { return v > 0 ? v : null; })],
      series: [
        line('failed reads', '#b91c1c', { fill: 'rgba(185, 28, 28, 0.15)', paths: uPlot.paths.stepped({ align: 1 }), value: fmt('', 0) }),
        line('refused write attempts', '#c2410c', { paths: uPlot.paths.stepped({ align: 1 }), value: fmt('', 0) }),
        line('timed out', '#7e22ce', { paths: uPlot.paths.stepped({ align: 1 }), value: fmt('', 0) }),
        // Only where something failed that no fault allowed: big dots, no line.
        line('unexpected failed reads', '#dc2626', { paths: function () { return null; }, value: fmt('', 0),
          points: { show: true, size: 11, width: 2, stroke: '#7f1d1d', fill: '#dc2626' } }),
      ],
      y: { range: function (u, lo, hi) { return [0, Math.max(5, hi * 1.1)]; } } },
    { id: 'chart-p99', data: [s.t, s.readP99Ms, s.writeP99Ms],
      series: [line('read p99', '#1d4ed8', { value: fmt(' ms', 0) }), line('write p99', '#0f766e', { value: fmt(' ms', 0) })],
      y: { distr: 3, range: function (u, lo, hi) { return [1, Math.max(1000, hi * 1.5)]; } } },
    { id: 'chart-degraded', data: [s.t, s.degradedPercent, s.homeDegradedPercent],
      series: [line('degraded reads', '#a16207', { fill: 'rgba(161, 98, 7, 0.15)', value: fmt(' %', 1) }),
        line('home reads degraded', '#7c3aed', { value: fmt(' %', 1) })],
      y: { range: [0, 100] } },
    { id: 'chart-lag', data: [s.t, s.feedLag],
      series: [line("feed's lag", '#be123c', { fill: 'rgba(190, 18, 60, 0.12)', value: fmt('', 0) })],
      y: { range: function (u, lo, hi) { return [0, Math.max(10, hi * 1.1)]; } } },
  ];

  var plots = charts.map(function (c, i) {
    var last = i === charts.length - 1;
    var opts = {
      width: root.clientWidth,
      height: HEIGHT,
      // uPlot lays out on its first commit (a microtask later): the lane follows each draw of chart 1.
      plugins: i === 0 ? [faultBands, { hooks: { draw: [layoutLane] } }] : [faultBands],
      cursor: { sync: { key: sync.key }, drag: { x: false, y: false } },
      scales: { x: { time: false, range: [0, maxT] }, y: c.y },
      axes: [
        { label: last ? 'seconds since the load started' : undefined, labelSize: last ? 20 : 0, size: last ? 50 : 30,
          values: function (u, vals) { return vals.map(function (v) { return v + ' s'; }); } },
        { size: Y_AXIS },
      ],
      series: [{ label: 'second', value: function (u, v) { return v == null ? '–' : v + ' s'; } }].concat(c.series),
    };
    return new uPlot(opts, c.data, document.getElementById(c.id));
  });

  // The labels above the first chart, on the pixels of their bands; a label that would overlap
  // the one before it in a row goes to the next row. (A function declaration: hoisted for the hook.)
  function layoutLane(u) {
    var left = u.bbox.left / uPlot.pxRatio;
    lane.innerHTML = '';
    var placed = faults.map(function (f) {
      var el = document.createElement('div');
      el.className = 'fault-label';
      el.setAttribute('data-fault', String(f.id));
      el.title = f.detail;
      var x0 = left + u.valToPos(f.startS, 'x');
      var x1 = left + u.valToPos(f.endS, 'x');
      el.innerHTML = '<span class="badge">' + f.id + '</span>';
      el.appendChild(document.createTextNode(f.label));
      el.style.minWidth = Math.max(0, x1 - x0) + 'px';
      lane.appendChild(el);
      return { el: el, x0: x0, w: el.offsetWidth };
    });
    // Near the right edge a label grows leftwards instead of out of the page; the ones before it
    // then move left as far as needed to stay in time order.
    for (var i = placed.length - 1; i >= 0; i--) {
      var p = placed[i];
      if (p.x0 + p.w > lane.clientWidth) p.x0 = lane.clientWidth - p.w;
      if (i < placed.length - 1 && p.x0 >= placed[i + 1].x0) p.x0 = placed[i + 1].x0 - 2;
      p.x0 = Math.max(0, p.x0);
    }
    // A label that would overlap the one before it in a row goes to the next row.
    var rowsEnd = [];
    placed.forEach(function (p) {
      p.el.style.left = p.x0 + 'px';
      var row = 0;
      while (rowsEnd[row] !== undefined && rowsEnd[row] > p.x0 - 4) row++;
      rowsEnd[row] = p.x0 + p.w;
      p.el.style.top = row * 24 + 'px';
    });
    lane.style.height = Math.max(1, rowsEnd.length) * 24 + 'px';
  }

  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      plots.forEach(function (u) { u.setSize({ width: root.clientWidth, height: HEIGHT }); });
    });
  });
  // Set once the lane is laid out too (the first draw has run): what the report test waits for.
  requestAnimationFrame(function () { document.body.setAttribute('data-charts', String(plots.length)); });
})();
`;
