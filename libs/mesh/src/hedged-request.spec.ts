// Every path of HedgedRequest with fake timers and fake tries: each try times out by itself after
// the wait it was sent with (as ReplyInbox does), or answers or fails when the test says so. The
// log is what happened at which fake time: what was sent, what the budget said, what settled.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCodes, MeshError, type ErrorCode } from '#contracts';
import { HedgedRequest } from './hedged-request.js';

const meshError = (code: ErrorCode) => new MeshError(code, code, undefined, 'posts');

interface FakeTry {
  answer(value: string): void;
  fail(err: MeshError): void;
}

interface Options {
  deadlineMs?: number;
  /** Without a directory there is no vanished-replica check. */
  directory?: boolean;
  /** What the vanished-replica check says at once; 'later': when the test calls vanished(). */
  gone?: boolean | 'later';
  /** What the budget answers, one withdrawal after another (then: allowed). */
  budget?: boolean[];
  /** An early (p95) hedge after this long; what its bucket answers (then: allowed). */
  hedgeAfterMs?: number;
  hedges?: boolean[];
}

function hedged(o: Options = {}) {
  const log: string[] = [];
  const note = (line: string) => log.push(`${Date.now()} ${line}`);
  const tries: Record<string, FakeTry> = {};
  const send = (name: 'first' | 'retry' | 'hedge', timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      note(`${name} sent, waits ${timeoutMs}`);
      const timer = setTimeout(() => reject(meshError(ErrorCodes.timeout)), timeoutMs);
      tries[name] = {
        answer: (value) => (clearTimeout(timer), resolve(value)),
        fail: (err) => (clearTimeout(timer), reject(err)),
      };
    });
  const checks: Array<(gone: boolean) => void> = [];
  const since: number[] = [];
  const budget = [...(o.budget ?? [])];
  const hedges = [...(o.hedges ?? [])];
  const early =
    o.hedgeAfterMs === undefined
      ? {}
      : {
          hedgeAfterMs: o.hedgeAfterMs,
          withdrawHedge: () => {
            const ok = hedges.shift() ?? true;
            if (!ok) note('hedge refused');
            return ok;
          },
          hedge: (timeoutMs: number) => send('hedge', timeoutMs),
          onHedge: () => note('onHedge'),
        };
  const result = new HedgedRequest<string>({
    ...early,
    service: 'posts',
    deadlineMs: o.deadlineMs ?? 200,
    first: (timeoutMs) => send('first', timeoutMs),
    retry: (timeoutMs) => send('retry', timeoutMs),
    vanished:
      o.directory === false
        ? undefined
        : (from: number) => {
            since.push(from);
            note('vanished?');
            if (o.gone !== 'later') return Promise.resolve(o.gone ?? false);
            return new Promise<boolean>((resolve) => checks.push(resolve));
          },
    withdrawRetry: () => budget.shift() ?? true,
    suspect: () => note('suspect'),
    onRetry: () => note('onRetry'),
    onRetryRefused: () => note('onRetryRefused'),
  }).run();
  void result.then(
    (value) => note(`answered ${value}`),
    (err: MeshError) => note(`failed ${err.code}: ${err.message}`),
  );
  return {
    log,
    first: () => tries.first,
    retry: () => tries.retry,
    hedge: () => tries.hedge,
    /** What each check asked about: replicas gone since then. */
    since,
    /** Answers the vanished-replica check made last. */
    vanished: (gone: boolean) => checks[checks.length - 1](gone),
  };
}

/** Lets fake time pass to `ms`, running the timers and promise callbacks due meanwhile. */
const until = (ms: number) => vi.advanceTimersByTimeAsync(ms - Date.now());

/** What a retry sent at `at` logs, the budget allowing it. */
const retried = (at: number) => [`${at} suspect`, `${at} onRetry`, `${at} retry sent, waits 200`];

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('HedgedRequest', () => {
  it('answered by the first try before the check: no check, no retry', async () => {
    const h = hedged();
    await until(30);
    h.first().answer('a');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '30 answered a']);
  });

  it('not answered by the deadline: the retry goes out then, and its answer wins', async () => {
    const h = hedged();
    await until(230);
    h.retry().answer('b');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '100 vanished?', ...retried(200), '230 answered b']);
  });

  it('without a directory: no check, the retry at the deadline', async () => {
    const h = hedged({ directory: false });
    await until(250);
    h.retry().answer('b');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', ...retried(200), '250 answered b']);
  });

  it('checks at half the deadline when that is sooner than 100 ms', async () => {
    const h = hedged({ deadlineMs: 120 });
    await until(130);
    expect(h.log).toEqual([
      '0 first sent, waits 240',
      '60 vanished?',
      '120 suspect',
      '120 onRetry',
      '120 retry sent, waits 120',
    ]);
  });

  it('checks every 100 ms at most, however long the deadline (a write waits 2 s)', async () => {
    const h = hedged({ deadlineMs: 2000 });
    await until(2001);
    expect(h.log).toEqual([
      '0 first sent, waits 4000',
      ...Array.from({ length: 19 }, (_, i) => `${(i + 1) * 100} vanished?`),
      '2000 suspect',
      '2000 onRetry',
      '2000 retry sent, waits 2000',
    ]);
  });

  it('keeps two timers of its own at most: the deadline and the next check, none once hedged', async () => {
    // Besides its own timers, each fake try holds one (its wait), as ReplyInbox does.
    const h = hedged({ gone: 'later' });
    expect(vi.getTimerCount()).toBe(3);
    await until(101); // the one check a 200 ms deadline has room for is made
    expect(vi.getTimerCount()).toBe(2);
    expect(vi.getTimerCount()).toBe(2);
    h.vanished(true);
    await until(102);
    expect(vi.getTimerCount()).toBe(2); // the two tries' waits
    h.retry().answer('b');
    await until(103);
    expect(vi.getTimerCount()).toBe(1); // the first try's wait, which is ReplyInbox's to end
  });

  it('no responders fails at once: no check, no retry, no waiting for the deadline', async () => {
    const h = hedged();
    await until(5);
    h.first().fail(meshError(ErrorCodes.noResponders));
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '5 failed no_responders: no_responders']);
  });

  it('unavailable (no connection, the service down) is final as well', async () => {
    const h = hedged();
    await until(150);
    h.first().fail(meshError(ErrorCodes.unavailable));
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '100 vanished?', '150 failed unavailable: unavailable']);
  });

  it('a domain error settles at once and is never retried', async () => {
    const h = hedged();
    await until(50);
    h.first().fail(meshError(ErrorCodes.notFound));
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '50 failed not_found: not_found']);
  });

  it('a replica vanished: the retry goes out when the check says so, not at the deadline', async () => {
    const h = hedged({ gone: 'later' });
    await until(103);
    h.vanished(true);
    await until(120);
    h.retry().answer('b');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '100 vanished?', ...retried(103), '120 answered b']);
  });

  it('a check that finds nobody gone is made again until the deadline; one that does retries then', async () => {
    const h = hedged({ deadlineMs: 400, gone: 'later' });
    await until(101);
    h.vanished(false); // made in the instant between a kill and the server noticing it
    await until(201);
    h.vanished(true);
    await until(220);
    h.retry().answer('b');
    await until(2000);
    expect(h.log).toEqual([
      '0 first sent, waits 800',
      '100 vanished?',
      '200 vanished?',
      '201 suspect',
      '201 onRetry',
      '201 retry sent, waits 400',
      '220 answered b',
    ]);
    expect(h.since).toEqual([0, 0]); // each asks about replicas gone since the first try was sent
  });

  it('checks stop at the deadline, and once one found a replica gone', async () => {
    const h = hedged({ deadlineMs: 400, gone: 'later', budget: [false, false, false] });
    for (const at of [101, 201, 301]) {
      await until(at);
      h.vanished(false);
    }
    await until(350);
    const none = hedged({ deadlineMs: 400, gone: 'later', budget: [false, false] });
    await until(451);
    none.vanished(true); // refused by the budget: no more checks, the deadline asks again
    await until(1000);
    expect(h.log.filter((line) => line.endsWith('vanished?'))).toEqual([
      '100 vanished?',
      '200 vanished?',
      '300 vanished?',
    ]);
    expect(none.log.slice(0, 4)).toEqual([
      '350 first sent, waits 800',
      '450 vanished?',
      '451 suspect',
      '451 onRetryRefused',
    ]);
    expect(none.log.filter((line) => line.endsWith('vanished?'))).toHaveLength(1);
  });

  it('a check that answers after the deadline retry went out sends no second retry', async () => {
    const h = hedged({ gone: 'later' });
    await until(210);
    h.vanished(true);
    await until(220);
    h.first().answer('a');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '100 vanished?', ...retried(200), '220 answered a']);
  });

  it('a check that answers after the request settled does nothing', async () => {
    const h = hedged({ gone: 'later' });
    await until(150);
    h.first().answer('a');
    await until(160);
    h.vanished(true);
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '100 vanished?', '150 answered a']);
  });

  it('the budget spent: no retry, the first try waits on alone and its timeout surfaces', async () => {
    const h = hedged({ budget: [false, false] });
    await until(1000);
    expect(h.log).toEqual([
      '0 first sent, waits 400',
      '100 vanished?',
      '200 suspect',
      '200 onRetryRefused',
      // The first try's own timeout asks the budget once more: still spent, the timeout surfaces.
      '400 suspect',
      '400 onRetryRefused',
      '400 failed timeout: posts did not answer within 200 ms',
    ]);
  });

  it('the budget spent at the deadline: the first try alone can still answer', async () => {
    const h = hedged({ budget: [false] });
    await until(300);
    h.first().answer('a');
    await until(1000);
    expect(h.log).toEqual([
      '0 first sent, waits 400',
      '100 vanished?',
      '200 suspect',
      '200 onRetryRefused',
      '300 answered a',
    ]);
  });

  it('the budget refilled by the first try timeout: the retry goes out then, with one deadline more', async () => {
    const h = hedged({ budget: [false, true] });
    await until(1000);
    expect(h.log).toEqual([
      '0 first sent, waits 400',
      '100 vanished?',
      '200 suspect',
      '200 onRetryRefused',
      ...retried(400),
      '600 failed timeout: posts did not answer within 200 ms',
    ]);
  });

  it('refused at the check (a replica vanished): asked again at the deadline', async () => {
    const h = hedged({ gone: 'later', budget: [false, true] });
    await until(101);
    h.vanished(true);
    await until(201);
    expect(h.log).toEqual([
      '0 first sent, waits 400',
      '100 vanished?',
      '101 suspect',
      '101 onRetryRefused',
      ...retried(200),
    ]);
  });

  it('a late first answer after the retry went out wins; the retry is ignored, nothing settles twice', async () => {
    const h = hedged();
    await until(250);
    h.first().answer('a');
    await until(260);
    h.retry().answer('b');
    h.retry().fail(meshError(ErrorCodes.notFound));
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '100 vanished?', ...retried(200), '250 answered a']);
  });

  it('the retry answered: the first try answering or timing out later is ignored', async () => {
    const h = hedged();
    await until(210);
    h.retry().answer('b');
    await until(500); // the first try has timed out at 400 meanwhile
    h.first().answer('a');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '100 vanished?', ...retried(200), '210 answered b']);
  });

  it('a domain error from either try, once the retry is out, is the answer', async () => {
    const h = hedged();
    await until(220);
    h.retry().fail(meshError(ErrorCodes.notFound));
    await until(1000);
    expect(h.log).toEqual([
      '0 first sent, waits 400',
      '100 vanished?',
      ...retried(200),
      '220 failed not_found: not_found',
    ]);
  });

  it('the retry failing leaves the first try to answer', async () => {
    const h = hedged();
    await until(205);
    h.retry().fail(meshError(ErrorCodes.noResponders));
    await until(300);
    h.first().answer('a');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '100 vanished?', ...retried(200), '300 answered a']);
  });

  it('both tries failing surfaces the timeout when the last one fails', async () => {
    const h = hedged();
    await until(205);
    h.first().fail(meshError(ErrorCodes.noResponders)); // the replica holding it is gone
    await until(1000);
    expect(h.log).toEqual([
      '0 first sent, waits 400',
      '100 vanished?',
      ...retried(200),
      '400 failed timeout: posts did not answer within 200 ms',
    ]);
  });

  it('a first try timing out before the deadline (the caller has less time) has the retry sent at once', async () => {
    const h = hedged();
    await until(50);
    h.first().fail(meshError(ErrorCodes.timeout));
    await until(70);
    h.retry().answer('b');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', ...retried(50), '70 answered b']);
  });

  it('the same with the budget spent: the timeout surfaces at once', async () => {
    const h = hedged({ budget: [false] });
    await until(50);
    h.first().fail(meshError(ErrorCodes.timeout));
    await until(1000);
    expect(h.log).toEqual([
      '0 first sent, waits 400',
      '50 suspect',
      '50 onRetryRefused',
      '50 failed timeout: posts did not answer within 200 ms',
    ]);
  });
});

describe('HedgedRequest with an early hedge at the p95', () => {
  it('not answered by the p95: one hedge goes out then (no suspicion, no retry budget), and its answer wins', async () => {
    const h = hedged({ directory: false, hedgeAfterMs: 30 });
    await until(45);
    h.hedge().answer('h');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '30 onHedge', '30 hedge sent, waits 170', '45 answered h']);
  });

  it('answered before the p95: no hedge', async () => {
    const h = hedged({ directory: false, hedgeAfterMs: 30 });
    await until(20);
    h.first().answer('a');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '20 answered a']);
  });

  it('its bucket empty: no hedge, and the deadline retry still goes out', async () => {
    const h = hedged({ directory: false, hedgeAfterMs: 30, hedges: [false] });
    await until(210);
    h.retry().answer('b');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '30 hedge refused', ...retried(200), '210 answered b']);
  });

  it('a busy replica refusing the hedge leaves the first try to answer', async () => {
    const h = hedged({ directory: false, hedgeAfterMs: 30 });
    await until(35);
    h.hedge().fail(meshError(ErrorCodes.overloaded));
    await until(60);
    h.first().answer('a');
    await until(1000);
    expect(h.log).toEqual(['0 first sent, waits 400', '30 onHedge', '30 hedge sent, waits 170', '60 answered a']);
  });
});

describe('HedgedRequest: an early hedge that found no answer either', () => {
  it('still has the deadline retry ask the live replicas (the hedge may have reached the frozen one)', async () => {
    const h = hedged({ directory: false, hedgeAfterMs: 30 });
    await until(210);
    h.retry().answer('b');
    await until(1000);
    expect(h.log).toEqual([
      '0 first sent, waits 400',
      '30 onHedge',
      '30 hedge sent, waits 170',
      ...retried(200),
      '210 answered b',
    ]);
  });
});
