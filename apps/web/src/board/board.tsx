// The operators' mesh board: every service × its replicas, live from GET /mesh. A row per
// service; its first cells say whether it is up and how often this edge had to answer without
// it in the last minute, then one cell per replica — or, down, why: its replicas' own reason when
// they are in the mesh but wait (for their database). Status is always said in words, not only
// in colour; the table keeps its semantics (explicit roles) when it stacks at phone width. Below
// it, the event consumers' lag (consumer-lag-panel.tsx).
import type { ReactNode } from 'react';
import { ConsumerLagPanel } from './consumer-lag-panel';
import { uptime, type BoardReplica, type BoardService } from './mesh-rates';
import { useMeshPoll } from './use-mesh-poll';

const time = (ms: number) => new Date(ms).toLocaleTimeString('en-GB');
const fixed = (n: number, digits: number) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** "4.7 ms", "312 ms", "1.84 s": short enough for a cell at any size. */
const latency = (ms: number) =>
  ms >= 1000 ? `${fixed(ms / 1000, 2)} s` : ms >= 100 ? `${fixed(ms, 0)} ms` : `${fixed(ms, 1)} ms`;

function Figure({ label, children, alert }: { label: string; children: ReactNode; alert?: boolean }) {
  return (
    <div className={alert ? 'figure alert' : 'figure'}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function ReplicaCell({ r, rate, now }: { r: BoardReplica; rate: number | undefined; now: number }) {
  return (
    <td role="cell" className="replica" data-replica={r.id} data-pid={r.pid ?? ''}>
      <div className="replica-head">
        <span className="state up">up</span> <span className="where">{`${r.pid ?? '?'}@${r.host ?? '?'}`}</span>
      </div>
      <dl>
        <Figure label="req/s">{rate === undefined ? '–' : fixed(rate, 1)}</Figure>
        <Figure label="errors" alert={r.errors > 0}>
          {r.errors.toLocaleString('en')}
        </Figure>
        <Figure label="mean latency">{latency(r.averageLatencyMs)}</Figure>
        {r.overload?.enabled && (
          <>
            <Figure label="in flight / limit" alert={r.overload.inFlight >= r.overload.limit}>
              {`${r.overload.inFlight} / ${r.overload.limit}`}
            </Figure>
            <Figure label="refused" alert={r.overload.refused.critical > 0}>
              {`${r.overload.refused.critical} critical · ${r.overload.refused.degradable} degradable · ${r.overload.refused.sheddable} sheddable`}
            </Figure>
            <Figure label="expired" alert={r.overload.expiredOnArrival + r.overload.expiredBeforeQuery > 0}>
              {`${r.overload.expiredOnArrival} on arrival · ${r.overload.expiredBeforeQuery} before a query`}
            </Figure>
          </>
        )}
        <Figure label="up for">{uptime(r.startedAt, now)}</Figure>
      </dl>
    </td>
  );
}

function ServiceRow({
  s,
  columns,
  rates,
  now,
}: {
  s: BoardService;
  columns: number;
  rates: Map<string, number>;
  now: number;
}) {
  const down = s.replicas.length === 0;
  // Replicas that are there but wait (for their database): the row says why, not just "down".
  const waiting = s.waiting?.length ?? 0;
  const degraded = s.degradedLastMinute ?? 0;
  const unavailable = s.unavailableLastMinute ?? 0;
  return (
    <tr role="row" className={down ? 'service down' : 'service up'} data-service={s.name}>
      <th role="rowheader" scope="row" className="service-name">
        <span className="name">{s.name}</span>
        <span className={down ? 'state down' : 'state up'}>{down ? 'down' : 'up'}</span>
        <span className="count">
          {down
            ? waiting > 0
              ? `${waiting} waiting`
              : 'no replica'
            : `${s.replicas.length} ${s.replicas.length === 1 ? 'replica' : 'replicas'}`}
        </span>
      </th>
      <td role="cell" className="last-minute" data-degraded={degraded} data-unavailable={unavailable}>
        <span className={degraded > 0 ? 'line alert' : 'line'}>
          <span className="big">{degraded.toLocaleString('en')}</span> degraded
        </span>{' '}
        <span className={unavailable > 0 ? 'line alert' : 'line'}>
          <span className="big">{unavailable.toLocaleString('en')}</span> × 503
        </span>{' '}
        {s.brownout?.active && (
          <span className="line alert brownout" data-brownout={s.brownout.cause ?? ''}>
            brownout ({s.brownout.cause ?? 'pressure'}): its optional parts are left out
          </span>
        )}
      </td>
      {down ? (
        <td role="cell" className="replica none" colSpan={columns} data-reason={s.reason ?? ''}>
          {s.reason ? (
            <>
              <strong>down</strong> — <span className="reason">{s.reason}</span> ({waiting}{' '}
              {waiting === 1 ? 'replica waits and retries' : 'replicas wait and retry'}): reads leave its part out, its
              writes answer 503
            </>
          ) : (
            <>
              <strong>down</strong> — no replica answers: reads leave its part out, its writes answer 503
            </>
          )}
        </td>
      ) : (
        <>
          {s.replicas.map((r) => (
            <ReplicaCell key={r.id} r={r} rate={rates.get(r.id)} now={now} />
          ))}
          {s.replicas.length < columns && (
            <td role="cell" className="replica empty" colSpan={columns - s.replicas.length} />
          )}
        </>
      )}
    </tr>
  );
}

export function Board() {
  const { last, rates, unreachable } = useMeshPoll();
  const services = last?.view.services ?? [];
  const columns = Math.max(1, ...services.map((s) => s.replicas.length));
  const down = services.filter((s) => s.replicas.length === 0).map((s) => s.name);
  return (
    <main className="board">
      <header className="board-head">
        <h1>Mesh board</h1>
        <p className="board-links">
          <a href="/mesh">GET /mesh</a> · <a href="/metrics">metrics</a>
        </p>
      </header>
      <div role="status" aria-live="polite" className="board-status">
        {unreachable ? (
          <p className="notice notice-error edge-unreachable">
            <strong>Edge unreachable</strong> since {time(unreachable.since)} ({unreachable.reason}).{' '}
            {last ? `Showing the last view, from ${time(last.at)}.` : 'Nothing to show yet.'}
          </p>
        ) : last ? (
          <p className="live">
            <span className="dot" aria-hidden="true" /> Live · updated {time(last.at)} · {services.length - down.length}{' '}
            of {services.length} services up{down.length > 0 ? ` · down: ${down.join(', ')}` : ''}
          </p>
        ) : (
          <p>Asking the edge…</p>
        )}
      </div>
      {last && (
        <table role="table" className={unreachable ? 'mesh stale' : 'mesh'}>
          <caption className="visually-hidden">Services and their replicas, from GET /mesh every second</caption>
          <thead role="rowgroup">
            <tr role="row">
              <th role="columnheader" scope="col">
                Service
              </th>
              <th role="columnheader" scope="col">
                This edge, last minute
              </th>
              {Array.from({ length: columns }, (_, i) => (
                <th role="columnheader" scope="col" key={i}>
                  Replica {i + 1}
                </th>
              ))}
            </tr>
          </thead>
          <tbody role="rowgroup">
            {services.map((s) => (
              <ServiceRow key={s.name} s={s} columns={columns} rates={rates} now={last.at} />
            ))}
          </tbody>
        </table>
      )}
      {last && <ConsumerLagPanel consumers={last.view.consumers ?? []} down={new Set(down)} />}
      <p className="muted small board-legend">
        req/s: requests handled per second since the previous poll · errors and mean latency: since the replica started
        · degraded: answers this edge gave without the service's part; × 503: answers refused for want of it.
      </p>
    </main>
  );
}
