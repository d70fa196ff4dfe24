// A minimal Server-Sent Events client for end-to-end tests (node:http): events, comment lines,
// whether the stream has ended; and a stream ticket for `GET /events?ticket=`.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { expect } from 'vitest';
import { http } from '#testing';

export interface SseEvent {
  event: string;
  data: string;
  at: number;
}

/** A minimal SSE client on node:http: events, comment lines, and whether the stream has ended. */
export interface SseStream {
  res: IncomingMessage;
  events: SseEvent[];
  comments: Array<{ text: string; at: number }>;
  ended: boolean;
  nextEvent: (timeoutMs?: number) => Promise<SseEvent>;
  until: (check: () => boolean, timeoutMs: number) => Promise<void>;
  close: () => void;
}

export function openStream(baseUrl: string, o: { query?: string; token?: string } = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = httpRequest(`${baseUrl}/events${o.query ?? ''}`, {
      headers: { accept: 'text/event-stream', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) },
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const s: SseStream = {
        res,
        events: [],
        comments: [],
        ended: false,
        nextEvent: (timeoutMs = 2000) => {
          const seen = taken;
          return s.until(() => s.events.length > seen, timeoutMs).then(() => s.events[taken++]);
        },
        until: (check, timeoutMs) =>
          new Promise((ok, fail) => {
            const deadline = setTimeout(
              () => fail(new Error(`stream: condition not met in ${timeoutMs} ms`)),
              timeoutMs,
            );
            const probe = () => {
              if (check()) {
                clearTimeout(deadline);
                ok();
              } else waiters.push(probe);
            };
            probe();
          }),
        close: () => req.destroy(),
      };
      let taken = 0;
      const waiters: Array<() => void> = [];
      const wake = () => waiters.splice(0).forEach((w) => w());
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) s.comments.push({ text: line.slice(1).trim(), at });
            else if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length > 0) s.events.push({ event, data: data.join('\n'), at });
        }
        wake();
      });
      const ended = () => {
        s.ended = true;
        wake();
      };
      res.on('end', ended);
      res.on('close', ended);
      res.on('error', ended);
      resolve(s);
    });
    req.end();
  });
}

/** `?ticket=…` from `POST /events/ticket` with this access token. */
export async function ticketQuery(baseUrl: string, token: string): Promise<string> {
  const res = await http(baseUrl, 'POST', '/events/ticket', { token });
  expect(res.status).toBe(201);
  return `?ticket=${encodeURIComponent((res.body as { ticket: string }).ticket)}`;
}
