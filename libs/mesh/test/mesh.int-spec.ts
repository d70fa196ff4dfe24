// The mesh plumbing against a real nats-server: deadlines, "no responders" in milliseconds,
// request ids in headers, typed errors, $SRV registration, and a drain that finishes in-flight
// work before the replica leaves.
import { Controller, Module } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, MeshError, MeshHeaders } from '#contracts';
import { createLogger } from '#runtime';
import { discoverMesh, MeshClient } from '#mesh';
import { runService, type RunningService } from '#service';
import { expectEventually, startNatsServer, testClient, type NatsServerHandle } from '#testing';

// A test-only service on subjects of its own (the typed client is cast to reach them).
@Controller()
class ProbeController {
  @MessagePattern('probe.echo')
  echo(@Payload() data: unknown, @Ctx() ctx: NatsContext): unknown {
    return { data, requestId: ctx.getHeaders()?.get(MeshHeaders.requestId) ?? null };
  }

  @MessagePattern('probe.slow')
  async slow(@Payload() data: { ms: number }): Promise<{ slept: number }> {
    await new Promise((r) => setTimeout(r, data.ms));
    return { slept: data.ms };
  }

  @MessagePattern('probe.fail')
  fail(@Payload() data: { code: 'not_found' | 'boom' }): never {
    if (data.code === 'not_found') throw new MeshError(ErrorCodes.notFound, 'nothing here');
    throw new Error('a bug');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

let nats: NatsServerHandle;
let probe: RunningService;
let client: Awaited<ReturnType<typeof testClient>>;
/** The typed client, reached with subjects only this test serves. */
const ask = (subject: string, data: unknown, opts: { timeoutMs?: number; requestId?: string } = {}): Promise<any> =>
  (client.mesh as unknown as { request: (s: string, d: unknown, o: object) => Promise<unknown> }).request(
    subject,
    data,
    opts,
  );

/** A replica of the probe service on this file's nats-server. */
const startProbe = (): Promise<RunningService> =>
  runService({
    module: ProbeModule,
    service: 'probe',
    version: '1.2.3',
    natsUrl: nats.url,
    drainTimeoutMs: 5000,
    logger: createLogger({ service: 'probe', level: 'silent' }),
    handleSignals: false,
  });

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: false });
  probe = await startProbe();
  client = await testClient(nats.url);
});

afterAll(async () => {
  await client?.nc.close();
  await probe?.stop();
  await nats?.stop();
});

describe('the mesh client', () => {
  it('carries the request id in a NATS header', async () => {
    const reply = await ask('probe.echo', { a: 1 }, { requestId: 'rid-7' });
    expect(reply).toEqual({ data: { a: 1 }, requestId: 'rid-7' });
  });

  it('fails at once with no_responders when no replica serves a subject', async () => {
    const started = performance.now();
    const err = await ask('nobody.home', {}, { timeoutMs: 5000 }).catch((e: unknown) => e);
    const ms = performance.now() - started;
    expect(err).toBeInstanceOf(MeshError);
    expect((err as MeshError).code).toBe(ErrorCodes.noResponders);
    expect((err as MeshError).service).toBe('nobody');
    expect(ms).toBeLessThan(50);
  });

  it('gives up at its deadline when a replica does not answer in time', async () => {
    const started = performance.now();
    const err = await ask('probe.slow', { ms: 400 }, { timeoutMs: 150 }).catch((e: unknown) => e);
    const ms = performance.now() - started;
    expect((err as MeshError).code).toBe(ErrorCodes.timeout);
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(ms).toBeLessThan(400);
  });

  it('keeps domain error codes and hides bugs behind internal', async () => {
    await expect(ask('probe.fail', { code: 'not_found' })).rejects.toMatchObject({
      code: 'not_found',
      message: 'nothing here',
    });
    await expect(ask('probe.fail', { code: 'boom' })).rejects.toMatchObject({
      code: 'internal',
      message: 'internal error',
    });
  });
});

describe('the mesh server', () => {
  it('registers with the service API, with exact request and error counts', async () => {
    // echo, slow (counted when it finishes, after its caller gave up), not_found, boom.
    const replica = await expectEventually(async () => {
      const view = await discoverMesh(client.nc, { known: ['probe'] });
      const r = view.services.find((s) => s.name === 'probe')!.replicas[0];
      expect(r).toMatchObject({ pid: process.pid, version: '1.2.3', requests: 4, errors: 1 });
      return r;
    });
    // The slow handler's 400 ms is in the mean: latencies are measured to the async end.
    expect(replica.averageLatencyMs).toBeGreaterThan(90);
  });

  it('drains: work in flight when stop() is called is answered, then the replica is gone', async () => {
    const inFlight = ask('probe.slow', { ms: 300 }, { timeoutMs: 2000 });
    await new Promise((r) => setTimeout(r, 50));
    const stopped = probe.stop();
    await expect(inFlight).resolves.toEqual({ slept: 300 });
    await stopped;
    await expect(ask('probe.echo', {})).rejects.toMatchObject({ code: 'no_responders' });
  });
});

// Last: its requests would change the server's exact counts above.
describe('retries of timed-out requests', () => {
  // A replica of its own: the one above has drained away.
  let replica: RunningService;
  beforeAll(async () => {
    replica = await startProbe();
    // Its subscriptions are sent, but the server may not have them yet.
    await expectEventually(() => ask('probe.echo', {}));
  });
  afterAll(async () => replica?.stop());

  it('are hedged: a slow first try still answers, and retries stop at the budget (overload, not a death)', async () => {
    const retried: string[] = [];
    const refused: string[] = [];
    // The budget: 2 retries saved up, 2 more a second, none earned by requests.
    const hedging = new MeshClient(client.nc, {
      defaultTimeoutMs: 60,
      retryBudget: { ratio: 0, minPerSecond: 2, cap: 2 },
      onRetry: (s) => retried.push(s),
      onRetryRefused: (s) => refused.push(s),
    });
    const request = hedging.request.bind(hedging) as unknown as (s: string, d: unknown, o: object) => Promise<unknown>;
    // Every request answers after 90 ms: past the 60 ms deadline, before twice it (the first try's wait).
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => request('probe.slow', { ms: 90 }, { retryOnTimeout: true })),
    );
    expect(replies).toEqual(Array.from({ length: 10 }, () => ({ slept: 90 })));
    expect(retried).toHaveLength(2);
    expect(refused).toHaveLength(8);
  });
});
