// `mesh events`: the JetStream side of the mesh — each events stream, each durable consumer's
// backlog, and the dead letters an operator should look at. Pure: the command reads NATS.

export interface EventsStream {
  name: string;
  subjects: string[];
  messages: number;
  bytes: number;
  replicas: number;
  /** Cluster replicas that are current, when clustered; null on a single server. */
  currentReplicas: number | null;
}

export interface EventsConsumer {
  name: string;
  /** `comments--events-posts-deleted` → comments. */
  service: string;
  subject: string;
  /** Events not yet delivered to any replica (a service at 0 replicas shows its backlog here). */
  pending: number;
  /** Delivered to a replica and not yet acknowledged: in a handler, or waiting for a retry. */
  ackPending: number;
  /** Events delivered more than once right now (failed handlers being retried). */
  redelivered: number;
  /** Pull requests waiting: 0 means no replica of the service is pulling. */
  waitingPulls: number;
}

export interface EventsReport {
  streams: EventsStream[];
  consumers: EventsConsumer[];
  deadLetters: { total: number; bySubject: Record<string, number> };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

function table(header: string[], rows: string[][], right: Set<number>): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    '  ' +
    cells
      .map((v, c) => (right.has(c) ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function formatEvents(r: EventsReport): string {
  const out: string[] = [];
  if (r.streams.length === 0) {
    out.push('streams: none yet (no service that publishes or consumes events has started)');
  } else {
    out.push('streams');
    out.push(
      ...table(
        ['NAME', 'SUBJECTS', 'MESSAGES', 'BYTES', 'REPLICAS'],
        r.streams.map((s) => [
          s.name,
          s.subjects.join(' '),
          String(s.messages),
          formatBytes(s.bytes),
          s.currentReplicas === null ? String(s.replicas) : `${s.currentReplicas}/${s.replicas} current`,
        ]),
        new Set([2, 3]),
      ),
    );
  }
  out.push('');
  if (r.consumers.length === 0) out.push('consumers: none');
  else {
    out.push('consumers');
    out.push(
      ...table(
        ['NAME', 'SERVICE', 'SUBJECT', 'PENDING', 'ACK PENDING', 'REDELIVERED', 'PULLING'],
        r.consumers.map((c) => [
          c.name,
          c.service,
          c.subject,
          String(c.pending),
          String(c.ackPending),
          String(c.redelivered),
          c.waitingPulls > 0 ? 'yes' : 'no',
        ]),
        new Set([3, 4, 5]),
      ),
    );
  }
  out.push('');
  out.push(`dead letters: ${r.deadLetters.total}`);
  for (const [subject, n] of Object.entries(r.deadLetters.bySubject).sort(([a], [b]) => a.localeCompare(b)))
    out.push(`  ${subject}  ${n}`);
  if (r.deadLetters.total > 0) out.push('  (read them: nats stream view DEADLETTER)');
  return out.join('\n') + '\n';
}
