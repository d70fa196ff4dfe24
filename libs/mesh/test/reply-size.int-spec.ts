// A reply larger than NATS's max_payload, against a real nats-server: nats.js refuses to publish
// it, and before MeshServer measured its replies that refusal was swallowed at the flush, so the
// caller waited out its whole deadline (and the edge counted a timeout against the service).
// Now the caller gets `reply_too_large` at once, and a reply just under the limit still goes.
import { Controller, Module } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, MeshError } from '#contracts';
import { createLogger } from '#runtime';
import { discoverMesh } from '#mesh';
import { runService, type RunningService } from '#service';
import { expectEventually, startNatsServer, testClient, type NatsServerHandle } from '#testing';

/** nats-server's default, as the test server runs it. */
const MAX_PAYLOAD = 1024 * 1024;

@Controller()
class BigController {
  /** `chars` characters of `char`, as the whole reply. */
  @MessagePattern('big.text')
  text(@Payload() data: { char: string; chars: number }): { text: string } {
    return { text: data.char.repeat(data.chars) };
  }

  /** The same size as an error: an error reply is measured too. */
  @MessagePattern('big.error')
  error(@Payload() data: { chars: number }): never {
    throw new MeshError(ErrorCodes.invalid, 'x'.repeat(data.chars));
  }
}

@Module({ controllers: [BigController] })
class BigModule {}

let nats: NatsServerHandle;
let big: RunningService;
let client: Awaited<ReturnType<typeof testClient>>;
const ask = (subject: string, data: unknown): Promise<any> =>
  (client.mesh as unknown as { request: (s: string, d: unknown, o: object) => Promise<unknown> }).request(
    subject,
    data,
    { timeoutMs: 5000 },
  );
/** What the request settled with, and how long it took. */
const timed = async (subject: string, data: unknown) => {
  const started = performance.now();
  const outcome: unknown = await ask(subject, data).catch((e: unknown) => e);
  return { outcome, ms: performance.now() - started };
};

beforeAll(async () => {
  nats = await startNatsServer({ jetstream: false });
  big = await runService({
    module: BigModule,
    service: 'big',
    version: '1.0.0',
    natsUrl: nats.url,
    drainTimeoutMs: 5000,
    logger: createLogger({ service: 'big', level: 'silent' }),
    handleSignals: false,
  });
  client = await testClient(nats.url);
});
afterAll(async () => {
  await client?.nc.close();
  await big?.stop();
  await nats?.stop();
});

/** `{"id":"<uuid>","response":{"text":"…"},"isDisposed":true}` less the text. */
const ENVELOPE = JSON.stringify({ id: crypto.randomUUID(), response: { text: '' }, isDisposed: true }).length;

describe('a reply larger than max_payload', () => {
  it('is answered with reply_too_large at once, not left to the deadline', async () => {
    expect(client.nc.info?.max_payload).toBe(MAX_PAYLOAD);
    const { outcome, ms } = await timed('big.text', { char: 'a', chars: MAX_PAYLOAD });
    expect(outcome).toBeInstanceOf(MeshError);
    expect({ ...(outcome as MeshError), message: (outcome as MeshError).message }).toEqual({
      name: 'MeshError',
      code: ErrorCodes.replyTooLarge,
      message: `the reply (${MAX_PAYLOAD + ENVELOPE} bytes) is larger than the broker's max_payload (${MAX_PAYLOAD} bytes)`,
      errors: undefined,
      service: 'big',
      // No retry hint: only an overloaded refusal carries one.
      hint: {},
    });
    expect(ms).toBeLessThan(1000); // the deadline was 5000 ms
  });

  it('counts bytes, not characters: 3-byte characters overflow at a third of the count', async () => {
    const chars = Math.ceil(MAX_PAYLOAD / 3);
    const { outcome, ms } = await timed('big.text', { char: '語', chars });
    expect(outcome).toMatchObject({ code: ErrorCodes.replyTooLarge, service: 'big' });
    expect((outcome as MeshError).message).toBe(
      `the reply (${3 * chars + ENVELOPE} bytes) is larger than the broker's max_payload (${MAX_PAYLOAD} bytes)`,
    );
    expect(ms).toBeLessThan(1000);
  });

  it('measures error replies too', async () => {
    const { outcome, ms } = await timed('big.error', { chars: MAX_PAYLOAD });
    expect(outcome).toMatchObject({ code: ErrorCodes.replyTooLarge, service: 'big' });
    expect(ms).toBeLessThan(1000);
  });

  it('still sends a reply that fits exactly', async () => {
    const chars = MAX_PAYLOAD - ENVELOPE;
    const { outcome } = await timed('big.text', { char: 'a', chars });
    expect((outcome as { text: string }).text).toHaveLength(chars);
  });

  it('counts each refused reply as an error of the replica', async () => {
    await expectEventually(async () => {
      const view = await discoverMesh(client.nc, { known: ['big'] });
      const r = view.services.find((s) => s.name === 'big')!.replicas[0];
      expect(r).toMatchObject({ requests: 4, errors: 3 });
    });
  });
});
