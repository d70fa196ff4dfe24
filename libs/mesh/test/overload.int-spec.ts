// Overload on a real nats-server: criticality travels from the caller through a service's
// onward calls; a replica at its concurrency limit refuses the excess at once with `overloaded`,
// and the caller's retry goes to another replica, never the same one.
import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, MeshError, MeshHeaders } from '#contracts';
import { createLogger, requestContext } from '#runtime';
import { discoverMesh, MeshClient, ReplicaDirectory } from '#mesh';
import { runService, type RunningService } from '#service';
import { expectEventually, startNatsServer, testClient, type NatsServerHandle } from '#testing';

type Ask = (subject: string, data: unknown, opts?: object) => Promise<any>;
const asker = (mesh: MeshClient): Ask => {
  const m = mesh as unknown as { request: Ask };
  return (subject, data, opts) => m.request(subject, data, opts);
};

const ONWARD = Symbol('onward');

@Controller()
class RelayController {
  constructor(@Inject(ONWARD) private readonly onward: { ask?: Ask }) {}

  @MessagePattern('relay.seen')
  seen(@Ctx() ctx: NatsContext): unknown {
    return {
      header: ctx.getHeaders()?.get(MeshHeaders.criticality) || null,
      context: requestContext.getStore()?.criticality ?? null,
    };
  }

  /** Asks relay.seen on behalf of its own caller: what the onward hop was sent. */
  @MessagePattern('relay.onward')
  async relay(@Payload() data: { criticality?: string }): Promise<unknown> {
    return this.onward.ask!('relay.seen', {}, data.criticality ? { criticality: data.criticality } : {});
  }
}

const NAME = Symbol('name');

/** A service whose replicas each say who they are; `busy.hold` keeps one busy for a while. */
@Controller()
class BusyController {
  constructor(@Inject(NAME) private readonly name: string) {}

  @MessagePattern('busy.hold')
  async hold(@Payload() data: { ms: number }): Promise<{ by: string }> {
    await new Promise((r) => setTimeout(r, data.ms));
    return { by: this.name };
  }

  @MessagePattern('busy.who')
  who(): { by: string } {
    return { by: this.name };
  }
}

const busyModule = (name: string): DynamicModule => ({
  module: class BusyModule {},
  controllers: [BusyController],
  providers: [{ provide: NAME, useValue: name }],
});

let nats: NatsServerHandle;
let relay: RunningService;
let client: Awaited<ReturnType<typeof testClient>>;
const onward: { ask?: Ask } = {};

@Module({ controllers: [RelayController], providers: [{ provide: ONWARD, useValue: onward }] })
class RelayModule {}

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: false });
  relay = await runService({
    module: RelayModule,
    service: 'relay',
    version: '1.0.0',
    natsUrl: nats.url,
    drainTimeoutMs: 2000,
    logger: createLogger({ service: 'relay', level: 'silent' }),
    handleSignals: false,
  });
  client = await testClient(nats.url);
  onward.ask = asker(new MeshClient(relay.server.connection, { defaultTimeoutMs: 2000 }));
  await expectEventually(() => asker(client.mesh)('relay.seen', {}));
});

afterAll(async () => {
  await client?.nc.close();
  await relay?.stop();
  await nats?.stop();
});

describe('criticality', () => {
  it('is critical when the caller names none, and no header is sent for it', async () => {
    await expect(asker(client.mesh)('relay.seen', {})).resolves.toEqual({ header: null, context: 'critical' });
  });

  it('travels in its header into the handler context', async () => {
    await expect(asker(client.mesh)('relay.seen', {}, { criticality: 'degradable' })).resolves.toEqual({
      header: 'degradable',
      context: 'degradable',
    });
  });

  it("is inherited by a service's onward calls, which never raise it", async () => {
    const ask = asker(client.mesh);
    await expect(ask('relay.onward', {}, { criticality: 'sheddable' })).resolves.toEqual({
      header: 'sheddable',
      context: 'sheddable',
    });
    // The onward call asks for critical, but its request is only degradable.
    await expect(ask('relay.onward', { criticality: 'critical' }, { criticality: 'degradable' })).resolves.toEqual({
      header: 'degradable',
      context: 'degradable',
    });
    await expect(ask('relay.onward', {})).resolves.toEqual({ header: null, context: 'critical' });
  });
});

describe('a replica at its concurrency limit', () => {
  // Two replicas of `busy` with a fixed limit of 2 (so the test knows when it is reached).
  const replicas: RunningService[] = [];
  let directory: ReplicaDirectory;
  let mesh: MeshClient;
  const retries: string[] = [];
  const startBusy = (name: string) =>
    runService({
      module: busyModule(name),
      service: 'busy',
      version: '1.0.0',
      natsUrl: nats.url,
      drainTimeoutMs: 3000,
      logger: createLogger({ service: 'busy', level: 'silent' }),
      handleSignals: false,
      admission: { initial: 2, min: 2, max: 2, retryAfterMs: 1500 },
    });
  const idOf = (r: RunningService) => r.server.replicaId!;
  /** Holds `n` requests on replica `r` for `ms` (by its own subject). */
  const fill = (r: RunningService, n: number, ms: number) =>
    Array.from({ length: n }, () => mesh.requestReplica('busy.hold' as never, idOf(r), { ms } as never));

  beforeAll(async () => {
    replicas.push(await startBusy('a'), await startBusy('b'));
    directory = new ReplicaDirectory(client.nc, { intervalMs: 200, freshMs: 1000 }).start();
    mesh = new MeshClient(client.nc, {
      defaultTimeoutMs: 3000,
      replicas: directory,
      onRetry: (_subject, cause) => retries.push(cause),
    });
    await expectEventually(() => expect(directory.alive('busy', 10)).toHaveLength(2));
  });

  afterAll(async () => {
    directory?.stop();
    await Promise.all(replicas.map((r) => r.stop()));
  });

  it('refuses the excess at once with a typed, retryable overloaded naming itself', async () => {
    const [a] = replicas;
    const held = fill(a, 2, 600);
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    const err = await mesh.requestReplica('busy.who' as never, idOf(a), {} as never).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(300);
    expect(err).toBeInstanceOf(MeshError);
    expect((err as MeshError).code).toBe(ErrorCodes.overloaded);
    expect((err as MeshError).service).toBe('busy');
    expect((err as MeshError).hint).toEqual({ retryAfterMs: 1500, replica: idOf(a) });
    expect(a.server.overloadFigures()).toMatchObject({ limit: 2, inFlight: 2, refused: { critical: 1 } });
    await expect(Promise.all(held)).resolves.toEqual([{ by: 'a' }, { by: 'a' }]);
  });

  it('is not asked again: the client retries another replica, which answers', async () => {
    const [a] = replicas;
    const held = fill(a, 2, 1500);
    await new Promise((r) => setTimeout(r, 100));
    retries.length = 0;
    const refusedBefore = a.server.overloadFigures().refused.critical;
    // The queue group picks a or b at random: every answer must come from b, and a must have
    // refused some (one in 2^12 runs would never pick a; then the test below still holds).
    const answers: unknown[] = [];
    for (let i = 0; i < 12; i++) answers.push(await mesh.request('busy.who' as never, {} as never));
    expect(answers).toEqual(Array.from({ length: 12 }, () => ({ by: 'b' })));
    const refusedByA = a.server.overloadFigures().refused.critical - refusedBefore;
    expect(refusedByA).toBeGreaterThan(0);
    expect(retries).toEqual(Array.from({ length: refusedByA }, () => 'overloaded'));
    await Promise.all(held);
  });

  it('answers overloaded fast when every replica is full, having asked each once', async () => {
    const [a, b] = replicas;
    const held = [...fill(a, 2, 1000), ...fill(b, 2, 1000)];
    await new Promise((r) => setTimeout(r, 100));
    retries.length = 0;
    const before = [a, b].map((r) => r.server.overloadFigures().refused.critical);
    const started = performance.now();
    const err = await mesh.request('busy.who' as never, {} as never).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(300);
    expect((err as MeshError).code).toBe(ErrorCodes.overloaded);
    const after = [a, b].map((r) => r.server.overloadFigures().refused.critical);
    expect(after.map((n, i) => n - before[i])).toEqual([1, 1]);
    expect(retries).toEqual(['overloaded']);
    await Promise.all(held);
  });

  it('admits critical before sheddable: a sheddable request is refused where a critical one is taken', async () => {
    const [a] = replicas;
    // One held: 1 < 2 takes a critical one, but 1 ≥ 0.5 × 2 refuses a sheddable one.
    const held = fill(a, 1, 600);
    await new Promise((r) => setTimeout(r, 100));
    const sheddable = await mesh
      .requestReplica('busy.who' as never, idOf(a), {} as never, { criticality: 'sheddable' })
      .catch((e: unknown) => e);
    expect((sheddable as MeshError).code).toBe(ErrorCodes.overloaded);
    await expect(mesh.requestReplica('busy.who' as never, idOf(a), {} as never)).resolves.toEqual({ by: 'a' });
    expect(a.server.overloadFigures().refused.sheddable).toBe(1);
    await Promise.all(held);
  });

  it("shows in $SRV.STATS (GET /mesh, the board): each replica's limit, what it holds and what it refused", async () => {
    const view = await discoverMesh(client.nc, { known: ['busy'] });
    const busy = view.services.find((s) => s.name === 'busy')!;
    expect(busy.replicas).toHaveLength(2);
    for (const r of busy.replicas) {
      expect(r.overload).toMatchObject({ enabled: true, limit: 2, inFlight: 0, expiredOnArrival: 0 });
    }
    const a = busy.replicas.find((r) => r.id === idOf(replicas[0]))!;
    expect(a.overload!.refused).toEqual(replicas[0].server.overloadFigures().refused);
    expect(a.overload!.refused.critical).toBeGreaterThan(0);
  });
});
