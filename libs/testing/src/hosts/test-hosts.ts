// Test hosts on one machine (docs/drills.md, "many hosts"): each host a Linux network namespace with
// its loopback up and one veth link per network it is on; each network a bridge in the root
// namespace (which has an address on the first network, so the test itself reaches every host).
// A host is cut off by taking its links down at the bridge's end (its processes keep running and
// see silence, not resets, as on a real network); a partition moves one side's links onto a
// bridge of its own. Names carry a random prefix and addresses a random private /24 per network,
// so two runs never meet. Everything is torn down by teardown(), and also when the process exits
// or is interrupted: processes by pid, then links, bridges and namespaces.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface TestHost {
  name: string;
  /** The network namespace (`ip netns exec <netns> …`). */
  netns: string;
  /** Its address on each network it is on. */
  addresses: Record<string, string>;
  /** Its address on the first network (where clients reach it). */
  address: string;
}

export interface TestHosts {
  prefix: string;
  hosts: TestHost[];
  host: (name: string) => TestHost;
  /** The root namespace's address on the first network. */
  rootAddress: string;
  /** The network names, the first one first. */
  networks: string[];
  /** Every link of `host` down (or only those on `networks`): it can reach no one, and no one it. */
  cut: (host: string, networks?: string[]) => void;
  /** Its links up again. */
  restore: (host: string, networks?: string[]) => void;
  /**
   * On `network` (default the first), the hosts of each side reach each other and nobody else:
   * the first side stays on the network's bridge (with the root namespace, on the first network),
   * every other side gets a bridge of its own. Hosts on no side stay with the first.
   */
  partition: (sides: string[][], network?: string) => void;
  /** Every link up, every host back on its network's bridge. */
  heal: () => void;
  /** Starts `command` inside `host` (exec'd: the pid is the command's); killed at teardown. */
  spawn: (host: string, command: string, args: string[], o?: { env?: NodeJS.ProcessEnv; cwd?: string }) => ChildProcess;
  /** A pid started inside a host by other means, SIGKILLed at teardown if it still runs. */
  adopt: (pid: number) => void;
  /** Names of this run's namespaces and links that exist now (after teardown: none). */
  leftovers: () => { netns: string[]; links: string[] };
  teardown: () => Promise<void>;
}

const ip = (...args: string[]): string =>
  execFileSync('ip', args, { encoding: 'utf8', stdio: 'pipe', timeout: 10_000 });

/** Why namespaces cannot be made here (not root, no iproute2), or null when they can. */
export function testHostsUnavailable(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root: network namespaces need root';
  const probe = `fsprobe${randomBytes(3).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return null;
  } catch (err) {
    return `cannot create a network namespace: ${(err as Error).message.split('\n')[0]}`;
  }
}

/** A /24 whose addresses no interface here uses: 10.<base>.<random>.0. */
function freeSubnet(base: number, taken: Set<string>): string {
  const used = ip('-4', '-o', 'addr', 'show');
  for (let i = 0; i < 50; i++) {
    const net = `10.${base}.${1 + Math.floor(Math.random() * 250)}`;
    if (!used.includes(` ${net}.`) && !taken.has(net)) return net;
  }
  throw new Error(`no free 10.${base}.x.0/24 found`);
}

export function startTestHosts(o: {
  hosts: string[];
  /** Network name → the hosts on it (default one network, `lan`, with every host). */
  networks?: Record<string, string[]>;
}): TestHosts {
  const prefix = `fs${randomBytes(2).toString('hex')}`;
  const networks = o.networks ?? { lan: o.hosts };
  const netNames = Object.keys(networks);
  const taken = new Set<string>();
  const subnets = Object.fromEntries(
    netNames.map((n, i) => {
      const s = freeSubnet(200 + i, taken);
      taken.add(s);
      return [n, s];
    }),
  );
  const bridgeOf = (net: number, side = 0) => `${prefix}b${net}${side ? `p${side}` : ''}`;
  /** The root end of a host's veth on a network (the host's end is renamed `<network>0` inside). */
  const vethOf = (hostIndex: number, net: number) => `${prefix}h${hostIndex}n${net}`;
  const hosts: TestHost[] = o.hosts.map((name, i) => {
    const addresses = Object.fromEntries(
      netNames.filter((n) => networks[n].includes(name)).map((n) => [n, `${subnets[n]}.${i + 1}`]),
    );
    return { name, netns: `${prefix}-${name}`, addresses, address: addresses[netNames[0]] };
  });
  const children = new Set<ChildProcess>();
  /** Pids started by others inside the hosts (replicas, PostgreSQL): SIGKILLed if the run is cut short. */
  const adopted = new Set<number>();
  const partitionBridges = new Set<string>();
  let tornDown = false;

  const cleanupSync = () => {
    if (tornDown) return;
    tornDown = true;
    const pids = [
      ...[...children].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => c.pid),
      ...adopted,
    ];
    for (const pid of pids) {
      try {
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const links = ip('-o', 'link', 'show')
      .split('\n')
      .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
      .filter((n): n is string => !!n && n.startsWith(prefix));
    // veths first (deleting one end deletes the pair), then the bridges.
    const isBridge = (l: string) => l.slice(prefix.length).startsWith('b');
    for (const l of links.sort((a, b) => Number(isBridge(a)) - Number(isBridge(b)))) {
      try {
        ip('link', 'del', l);
      } catch {
        // the pair's other end went with its peer
      }
    }
    for (const h of hosts) {
      try {
        ip('netns', 'del', h.netns);
      } catch {
        // not made
      }
    }
  };
  const onExit = () => cleanupSync();
  const onSignal = (sig: NodeJS.Signals) => {
    cleanupSync();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const leftovers = () => ({
    netns: ip('netns', 'list')
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter((n) => n.startsWith(prefix)),
    links: ip('-o', 'link', 'show')
      .split('\n')
      .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? '')
      .filter((n) => n.startsWith(prefix)),
  });

  const teardown = async () => {
    const alive = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of alive) if (c.pid !== undefined) process.kill(c.pid, 'SIGTERM');
    await Promise.race([
      Promise.all(alive.map((c) => new Promise((r) => c.once('exit', r)))),
      new Promise((r) => setTimeout(r, 5000)),
    ]);
    cleanupSync();
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };

  try {
    netNames.forEach((n, ni) => {
      const br = bridgeOf(ni);
      ip('link', 'add', br, 'type', 'bridge');
      ip('link', 'set', br, 'up');
      if (ni === 0) ip('addr', 'add', `${subnets[n]}.254/24`, 'dev', br);
    });
    hosts.forEach((h, hi) => {
      ip('netns', 'add', h.netns);
      ip('-n', h.netns, 'link', 'set', 'lo', 'up');
      netNames.forEach((n, ni) => {
        if (!h.addresses[n]) return;
        const outer = vethOf(hi, ni);
        const inner = `${outer}i`;
        ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
        ip('link', 'set', inner, 'netns', h.netns);
        ip('-n', h.netns, 'link', 'set', inner, 'name', `${n}0`);
        ip('-n', h.netns, 'addr', 'add', `${h.addresses[n]}/24`, 'dev', `${n}0`);
        ip('-n', h.netns, 'link', 'set', `${n}0`, 'up');
        ip('link', 'set', outer, 'master', bridgeOf(ni), 'up');
      });
    });
  } catch (err) {
    cleanupSync();
    throw err;
  }

  const indexOf = (name: string) => {
    const i = hosts.findIndex((h) => h.name === name);
    if (i < 0) throw new Error(`no test host ${name}`);
    return i;
  };
  const linksOf = (name: string, nets = netNames) => {
    const hi = indexOf(name);
    return nets.filter((n) => hosts[hi].addresses[n]).map((n) => vethOf(hi, netNames.indexOf(n)));
  };

  return {
    prefix,
    hosts,
    host: (name) => hosts[indexOf(name)],
    rootAddress: `${subnets[netNames[0]]}.254`,
    networks: netNames,
    cut: (name, nets) => linksOf(name, nets).forEach((l) => ip('link', 'set', l, 'down')),
    restore: (name, nets) => linksOf(name, nets).forEach((l) => ip('link', 'set', l, 'up')),
    partition: (sides, network = netNames[0]) => {
      const ni = netNames.indexOf(network);
      sides.slice(1).forEach((side, k) => {
        const br = bridgeOf(ni, k + 1);
        if (!partitionBridges.has(br)) {
          ip('link', 'add', br, 'type', 'bridge');
          ip('link', 'set', br, 'up');
          partitionBridges.add(br);
        }
        for (const name of side) for (const l of linksOf(name, [network])) ip('link', 'set', l, 'master', br);
      });
    },
    heal: () => {
      hosts.forEach((h, hi) =>
        netNames.forEach((n, ni) => {
          if (!h.addresses[n]) return;
          ip('link', 'set', vethOf(hi, ni), 'master', bridgeOf(ni), 'up');
        }),
      );
      for (const br of partitionBridges) ip('link', 'del', br);
      partitionBridges.clear();
    },
    spawn: (name, command, args, so = {}) => {
      const h = hosts[indexOf(name)];
      const child = spawn('ip', ['netns', 'exec', h.netns, command, ...args], {
        env: so.env ?? process.env,
        cwd: so.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    adopt: (pid) => adopted.add(pid),
    leftovers,
    teardown,
  };
}
