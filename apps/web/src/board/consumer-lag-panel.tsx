// The board's consumer-lag panel: per consuming service, the events its durable consumers have
// not yet delivered (pending) and not yet acknowledged (in flight), the oldest one's age and the
// backlog's trend over the edge's last readings. A service that is down while events wait for it
// is marked "piling up" — in words, not only in colour: its home feeds (say) fall behind and
// catch up when it returns.
import { lagByService, type BoardConsumer, type ServiceLag } from './consumer-lag';

const count = (n: number) => n.toLocaleString('en');
const age = (s: number) => (s <= 0 ? '–' : s < 120 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);
const trendWords = (l: ServiceLag) =>
  l.trend === 'steady' ? 'steady' : `${l.trend} (${l.change > 0 ? '+' : ''}${count(l.change)})`;

function LagRow({ l }: { l: ServiceLag }) {
  const backlog = l.pending + l.inFlight;
  const className = l.piling ? 'lag piling' : backlog > 0 ? 'lag behind' : 'lag';
  return (
    <tr
      role="row"
      className={className}
      data-lag-service={l.service}
      data-pending={l.pending}
      data-in-flight={l.inFlight}
      data-trend={l.trend}
    >
      <th role="rowheader" scope="row">
        <span className="name">{l.service}</span>
        {l.piling && <span className="state down">piling up</span>}
        <span className="subjects">
          {l.consumers.map((c) => (
            <span key={c.consumer} className="subject" data-consumer={c.consumer}>
              {`${c.subject.replace(/^events\./, '')} ${count(c.pending)}/${count(c.inFlight)}`}
            </span>
          ))}
        </span>
      </th>
      <td role="cell" className="num pending">
        {count(l.pending)}
      </td>
      <td role="cell" className="num in-flight">
        {count(l.inFlight)}
      </td>
      <td role="cell" className="num oldest">
        {age(l.oldestUnackedSeconds)}
      </td>
      <td role="cell" className={`trend ${l.trend}`}>
        {trendWords(l)}
        {l.error && <span className="lag-error"> · last read failed: {l.error}</span>}
      </td>
    </tr>
  );
}

export function ConsumerLagPanel({ consumers, down }: { consumers: BoardConsumer[]; down: ReadonlySet<string> }) {
  const lags = lagByService(consumers, down);
  if (lags.length === 0) return null;
  return (
    <section className="consumer-lag" aria-labelledby="consumer-lag-title">
      <h2 id="consumer-lag-title">Event consumers</h2>
      <table role="table" className="lag-table">
        <caption className="visually-hidden">
          Per consuming service: events not yet delivered, delivered and not acknowledged, the oldest one&apos;s age and
          the trend
        </caption>
        <thead role="rowgroup">
          <tr role="row">
            <th role="columnheader" scope="col">
              Service
            </th>
            <th role="columnheader" scope="col">
              Pending
            </th>
            <th role="columnheader" scope="col">
              In flight
            </th>
            <th role="columnheader" scope="col">
              Oldest
            </th>
            <th role="columnheader" scope="col">
              Trend, last readings
            </th>
          </tr>
        </thead>
        <tbody role="rowgroup">
          {lags.map((l) => (
            <LagRow key={l.service} l={l} />
          ))}
        </tbody>
      </table>
      <p className="muted small">
        pending: events in the stream not yet delivered to the service · in flight: delivered, not yet acknowledged (per
        subject: pending/in flight) · oldest: age of the oldest event not acknowledged · read by the edge every few
        seconds. A service down with a backlog is piling up: it catches up when a replica is back.
      </p>
    </section>
  );
}
