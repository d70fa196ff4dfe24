// The test-host harness itself (libs/testing/src/hosts): hosts reach each other over their bridge,
// a cut host and a partitioned side are unreachable until healed, and teardown leaves no process,
// namespace or link behind.
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { expectEventually, startTestHosts, testHostsUnavailable, type TestHosts } from '#testing';

const unavailable = testHostsUnavailable();
if (unavailable) process.stdout.write(`[hosts] skipped: ${unavailable}\n`);

/** Whether a TCP connection to addr:port gets the server's greeting within `ms`. */
function reach(address: string, port: number, ms = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port, timeout: ms });
    s.once('data', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}

/** A greeter on port 7000 of the host's address, and a prober that says whether `to` answers. */
const GREETER = "require('net').createServer((s) => s.end('hi')).listen(7000, process.argv[1])";
const PROBE =
  "const s = require('net').connect({ host: process.argv[1], port: 7000, timeout: 1000 });" +
  "s.once('data', () => process.exit(0)); s.once('timeout', () => process.exit(1)); s.once('error', () => process.exit(1));";

describe.skipIf(unavailable !== null)('test hosts: network namespaces on a bridge', () => {
  let hosts: TestHosts;
  afterAll(async () => {
    await hosts?.teardown();
  });

  const probe = (from: string, to: string) =>
    new Promise<boolean>((resolve) => {
      const c = hosts.spawn(from, process.execPath, ['-e', PROBE, hosts.host(to).address]);
      c.once('exit', (code) => resolve(code === 0));
    });

  it('reach, cut, partition, heal, and tear down without leftovers', async () => {
    hosts = startTestHosts({ hosts: ['a', 'b', 'c'] });
    expect(hosts.leftovers().netns.sort()).toEqual(hosts.hosts.map((h) => h.netns).sort());
    const greeters = hosts.hosts.map((h) => hosts.spawn(h.name, process.execPath, ['-e', GREETER, h.address]));
    const a = hosts.host('a');
    await expectEventually(async () => expect(await reach(a.address, 7000)).toBe(true));
    expect(await probe('b', 'a')).toBe(true);
    expect(await probe('a', 'c')).toBe(true);

    hosts.cut('a');
    expect(await reach(a.address, 7000)).toBe(false);
    expect(await probe('b', 'a')).toBe(false);
    expect(await probe('b', 'c')).toBe(true);
    hosts.restore('a');
    await expectEventually(async () => expect(await probe('b', 'a')).toBe(true));

    hosts.partition([['a', 'b'], ['c']]);
    expect(await probe('a', 'b')).toBe(true);
    expect(await probe('a', 'c')).toBe(false);
    expect(await reach(hosts.host('c').address, 7000)).toBe(false);
    expect(await reach(a.address, 7000)).toBe(true);
    hosts.heal();
    await expectEventually(async () => expect(await probe('a', 'c')).toBe(true));

    await hosts.teardown();
    expect(hosts.leftovers()).toEqual({ netns: [], links: [] });
    for (const g of greeters) expect(g.exitCode !== null || g.signalCode !== null, `greeter ${g.pid} ended`).toBe(true);
  }, 60_000);
});
