// Overload on a real nats-server: criticality travels from the caller through a service's
// onward calls; a replica at its concurrency limit refuses the excess at once with `overloaded`,
// and the caller's retry goes to another replica, never the same one.
import { Controller, Inject, Module } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHeaders } from '#contracts';
import { createLogger, requestContext } from '#runtime';
import { MeshClient } from '#mesh';
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
