// The generator against a real local HTTP server in its own process, with delays it injects:
// the percentiles come out where the delays put them, and a stall (SIGSTOP for 1 s) shows in the
// p99 because latency counts from each request's intended start.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOpenLoop, type ArrivalOutcome } from './open-loop.js';
import { sweepRates } from './rate-sweep.js';

// Answers after ?delay=ms; /status/N answers N; POST echoes its JSON body.
const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => setTimeout(() => {
    const status = Number(u.pathname.split('/status/')[1] ?? 200);
    res.writeHead(status, { 'content-type': 'application/json' }).end(Buffer.concat(chunks).toString() || '{}');
  }, Number(u.searchParams.get('delay') ?? 0)));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

let server: ChildProcess;
let baseUrl: string;

beforeAll(async () => {
  server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    server.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(() => {
  server.kill('SIGKILL');
});

describe('an open-loop run', () => {
  it('measures each kind on its own histogram: the percentiles sit at the injected delays', async () => {
    const r = await runOpenLoop({
      baseUrl,
      ratePerSec: 100,
      seconds: 3,
      seed: 5,
      kinds: [
        { name: 'fast', weight: 9, request: () => ({ path: '/?delay=20' }) },
        { name: 'slow', weight: 1, request: () => ({ path: '/?delay=200' }) },
      ],
    });
    const { fast, slow } = r.kinds;
    expect(fast.offered + slow.offered).toBe(r.total.offered);
    expect(fast.offered / r.total.offered).toBeGreaterThan(0.8);
    expect(fast.p50Ms).toBeGreaterThanOrEqual(20);
    expect(slow.p50Ms).toBeGreaterThanOrEqual(200);
    // Below the slow kind's floor: the fast kind's tail is not the slow kind's.
    expect(fast.p90Ms).toBeLessThan(slow.p50Ms);
    // The mix: 10 % are slow, so the total's p50 is a fast one and its p99 a slow one.
    expect(r.total.p50Ms).toBeLessThan(slow.p50Ms);
    expect(r.total.p99Ms).toBeGreaterThanOrEqual(200);
    expect(r.total.completed).toBe(r.total.offered);
    expect(r.total.errors).toEqual({});
    expect(r.offeredRatePerSec).toBe(100);
    expect(r.achievedRatePerSec).toBeGreaterThan(50);
  });

  it('counts errors by status and leaves them out of goodput; slow 2xx are not goodput either', async () => {
    const r = await runOpenLoop({
      baseUrl,
      ratePerSec: 100,
      seconds: 2,
      goodputMs: 100,
      kinds: [
        { name: 'ok', weight: 1, request: () => ({ path: '/' }) },
        { name: 'late', weight: 1, request: () => ({ path: '/?delay=150' }) },
        { name: 'gone', weight: 1, request: () => ({ path: '/status/503' }) },
      ],
    });
    expect(r.kinds.gone.errors).toEqual({ '503': r.kinds.gone.offered });
    expect(r.kinds.gone.good).toBe(0);
    expect(r.kinds.late.good).toBe(0);
    expect(r.kinds.late.errors).toEqual({});
    expect(r.kinds.ok.good).toBe(r.kinds.ok.offered);
    expect(r.total.goodputRatio).toBeCloseTo(r.kinds.ok.offered / r.total.offered, 2);
  });

  it('records what the in-flight cap kept it from sending as unsent', async () => {
    const r = await runOpenLoop({
      baseUrl,
      ratePerSec: 200,
      seconds: 1,
      maxInFlight: 2,
      kinds: [{ name: 'slow', weight: 1, request: () => ({ path: '/?delay=300' }) }],
    });
    const k = r.kinds.slow;
    expect(r.maxInFlight).toBe(2);
    expect(k.errors.unsent).toBeGreaterThan(k.offered / 2);
    expect(k.completed + k.errors.unsent).toBe(k.offered);
    expect(r.total.goodputRatio).toBeLessThan(0.5);
  });

  it('passes each answer on (status and body), e.g. a created resource', async () => {
    const seen: string[] = [];
    await runOpenLoop({
      baseUrl,
      ratePerSec: 50,
      seconds: 1,
      kinds: [
        {
          name: 'create',
          weight: 1,
          request: (random) => ({ method: 'POST', path: '/status/201', body: { n: Math.floor(random() * 1e6) } }),
          onAnswer: (status, body) => seen.push(`${status} ${Object.keys(JSON.parse(body)).join()}`),
        },
      ],
    });
    expect(seen.length).toBeGreaterThan(20);
    expect(new Set(seen)).toEqual(new Set(['201 n']));
  });

  it('tells of every arrival with its headers, unsent ones too, and runs phases one after the other', async () => {
    const seen: ArrivalOutcome[] = [];
    const r = await runOpenLoop({
      baseUrl,
      ratePerSec: 1,
      seconds: 1,
      phases: [
        { ratePerSec: 20, seconds: 1 },
        { ratePerSec: 200, seconds: 0.5 },
      ],
      maxInFlight: 4,
      seed: 9,
      kinds: [{ name: 'slow', weight: 1, request: () => ({ path: '/status/503?delay=100' }) }],
      onOutcome: (o) => seen.push(o),
    });
    expect(seen.length).toBe(r.total.offered);
    expect(r.seconds).toBeGreaterThanOrEqual(1.5);
    expect(r.offeredRatePerSec).toBeCloseTo((20 + 100) / 1.5, 0);
    // The second phase's arrivals come 10 times as dense: past the cap of 4 in flight, unsent.
    // (A send may go up to 1 ms before its intended start, hence 98 rather than 100 below.)
    const unsent = seen.filter((o) => o.outcome === 'unsent');
    expect(unsent.length).toBe(r.total.errors.unsent);
    expect(unsent.every((o) => o.intendedMs >= 1000 && o.latencyMs === 0)).toBe(true);
    const answered = seen.filter((o) => o.outcome === 503);
    expect(answered.length).toBe(r.total.errors['503']);
    expect(answered.every((o) => o.latencyMs >= 98 && o.headers['content-type'] === 'application/json')).toBe(true);
  });

  it('is not fooled by a stall: a server frozen for 1 s shows in the p99 at a light load (50 req/s)', async () => {
    const run = runOpenLoop({
      baseUrl,
      ratePerSec: 50,
      seconds: 4,
      kinds: [{ name: 'get', weight: 1, request: () => ({ path: '/' }) }],
    });
    await new Promise((r) => setTimeout(r, 1500));
    server.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 1000));
    server.kill('SIGCONT');
    const r = await run;
    // ~50 of ~200 arrivals fell in the stall: each waited for the rest of it, from its intended
    // start (a closed loop of one connection would have recorded one slow request, p99 untouched).
    expect(r.total.p99Ms).toBeGreaterThanOrEqual(700);
    expect(r.total.p90Ms).toBeGreaterThanOrEqual(200);
    expect(r.total.maxMs).toBeGreaterThanOrEqual(900);
    expect(r.total.p50Ms).toBeLessThan(r.total.p90Ms);
    expect(r.total.goodputRatio).toBeLessThan(0.95);
    expect(r.total.errors).toEqual({});
  });

  it('sweeps rates and stops two failing rates past the knee', async () => {
    const sweep = await sweepRates({
      rates: [20, 40, 80, 160, 320],
      // A fake capacity: up to 40/s served well, beyond it slow.
      run: (rate) =>
        runOpenLoop({
          baseUrl,
          ratePerSec: rate,
          seconds: 1,
          goodputMs: 100,
          kinds: [{ name: 'get', weight: 1, request: () => ({ path: rate > 40 ? '/?delay=150' : '/' }) }],
        }),
    });
    expect(sweep.legs.map((l) => [l.ratePerSec, l.servesWell])).toEqual([
      [20, true],
      [40, true],
      [80, false],
      [160, false],
    ]);
    expect(sweep.kneeRatePerSec).toBe(40);
  });
});
