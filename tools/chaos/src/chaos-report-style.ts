// The report page's CSS (inlined into chaos-report.html).
export const REPORT_STYLE = `
:root { --good: #0a6b2d; --good-bg: #e6f4ea; --bad: #a3131b; --bad-bg: #fdeaea; --fault: #b45309;
  --muted: #555; --line: #d8d8d8; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1a1a1a; }
body { margin: 0 auto; max-width: 1200px; padding: 16px 20px 40px; }
header { margin-bottom: 12px; }
.verdict { font-size: 28px; line-height: 1.25; margin: 0 0 6px; padding: 12px 16px; border-radius: 8px; font-weight: 600; }
.verdict.ok { background: var(--good-bg); border: 2px solid var(--good); }
.verdict.not-ok { background: var(--bad-bg); border: 2px solid var(--bad); }
.verdict .mark { margin-right: 10px; }
.verdict.ok .mark { color: var(--good); }
.verdict.not-ok .mark { color: var(--bad); }
.verdict .dot { color: var(--muted); }
.fig.good { color: var(--good); }
.fig.bad { color: var(--bad); }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.expected { margin: 4px 0; font-size: 15px; }
.meta { margin: 4px 0; color: var(--muted); font-size: 13px; }
.totals { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; margin: 12px 0 16px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.card.bad { border-color: var(--bad); background: var(--bad-bg); }
.card .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .note { font-size: 12px; color: var(--muted); }
.how { font-size: 13px; color: var(--muted); margin: 0 0 4px; }
figure { margin: 0 0 10px; }
figcaption { font-weight: 600; font-size: 14px; margin: 0 0 2px 4px; }
figcaption small { font-weight: 400; color: var(--muted); }
.lane { position: relative; margin-bottom: 4px; }
.fault-label { position: absolute; white-space: nowrap; font-size: 13px; font-weight: 600; color: #7c2d12;
  background: #fef3c7; border: 1px solid var(--fault); border-radius: 4px; padding: 1px 6px; height: 20px;
  box-sizing: border-box; line-height: 16px; }
.fault-label .badge { margin-right: 4px; }
.badge { display: inline-block; min-width: 16px; text-align: center; border-radius: 8px; background: var(--fault);
  color: #fff; font-size: 12px; font-weight: 700; line-height: 16px; padding: 0 3px; }
table.failures { border-collapse: collapse; width: 100%; margin-top: 16px; font-size: 14px; }
table.failures caption { text-align: left; font-weight: 600; margin-bottom: 6px; }
table.failures th, table.failures td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; }
table.failures tr.unexpected { color: var(--bad); background: var(--bad-bg); }
table.faults { border-collapse: collapse; width: 100%; margin-top: 16px; font-size: 14px; }
table.faults caption { text-align: left; font-weight: 600; margin-bottom: 6px; }
table.faults th, table.faults td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
table.faults td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
table.faults td.warn { color: var(--bad); font-weight: 600; }
table.faults td.what { color: var(--muted); font-size: 13px; }
.keys pre { background: #f6f6f6; padding: 8px; overflow: auto; }
.u-legend { font-size: 12px; }
@media (max-width: 640px) { .verdict { font-size: 20px; } table.faults td.what { display: none; } }
`;
