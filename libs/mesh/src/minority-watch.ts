// Leaves a NATS node that is on the minority side of a partition (docs/drills.md, "many hosts").
// nats.js keeps its connection to a server that is alive but cut off from the rest of its
// cluster: requests through it reach only the replicas connected to that node, JetStream has no
// quorum there, and the client would stay forever. The server says it is cut off: when its routes
// drop it sends its clients a new INFO whose `connect_urls` (the cluster's client addresses, its
// own included) has lost the unreachable nodes. When that list holds no more than half of the
// largest cluster this connection has known, the node is on a minority side: the watch marks it
// to be avoided for a while and forces a reconnect (nats.js `reconnect()`), and the connection's
// `reconnectToServer` (pick, below) dials the next server that is not avoided. JetStream's "no
// leader" is no such signal: the majority side sees it too, during an election.
//
// Under load a node notices a dead route late (measured here: 12–16 s with 1 s server pings), so
// the watch also asks: every second it counts who answers `$SRV.PING` (every replica and edge).
// Through a minority node only the members connected to that side answer; when two probes in a
// row hear half or less of the most heard lately, the node is left as above. The baseline starts
// again after a move, so a mesh that really shrank (a scale-down) costs one move at most.
import type { NatsConnection, Server } from '@nats-io/transport-node';

export interface MinorityWatchOptions {
  /** How many servers NATS_URL lists: the cluster is at least this large. */
  configuredServers: number;
  /** How long a node left for being on the minority side is not dialled again. */
  avoidMs?: number;
  logger?: { warn: (obj: object, msg: string) => void };
  /** How often `$SRV.PING` is counted (0: never, only the server's INFO is judged). */
  probeIntervalMs?: number;
  /** How long a probe gathers answers. */
  probeWaitMs?: number;
}

/** Probes in a row that must hear half or less of the baseline before a move. */
const STRIKES = 2;
/** Answers the baseline must have before a probe is judged at all (a tiny mesh is not). */
const MIN_BASELINE = 4;
/** Probes the baseline is the most of (about half a minute). */
const BASELINE_PROBES = 30;

export class MinorityWatch {
  /** Server (`host:port`) → until when it is not dialled. */
  private readonly avoided = new Map<string, number>();
  private largest: number;
  /** How many times this connection left a minority node. */
  moves = 0;
  /** Answers to the last probes, newest last. */
  private heard: number[] = [];
  private strikes = 0;

  constructor(private readonly o: MinorityWatchOptions) {
    this.largest = o.configuredServers;
  }

  /** For ConnectionOptions.reconnectToServer: the first server of the pool's order not avoided. */
  readonly pick = (pool: ReadonlyArray<Server>): Server | null => {
    const now = Date.now();
    return pool.find((s) => (this.avoided.get(s.listen) ?? 0) <= now) ?? null;
  };

  /**
   * Whether a node that knows `known` servers of its cluster (itself included) is on a minority
   * side; it also learns the cluster's size from it.
   */
  isMinority(known: number): boolean {
    this.largest = Math.max(this.largest, known);
    return this.largest > 1 && known * 2 <= this.largest;
  }

  /**
   * Judges one probe's count of answers against the most heard lately; true when this is the
   * STRIKES-th probe in a row to hear half or less.
   */
  heardFew(answers: number): boolean {
    const baseline = Math.max(0, ...this.heard);
    this.heard = [...this.heard, answers].slice(-BASELINE_PROBES);
    if (baseline < MIN_BASELINE || answers * 2 > baseline) {
      this.strikes = 0;
      return false;
    }
    return ++this.strikes >= STRIKES;
  }

  /** Watches `nc` until it closes: every INFO that changes the cluster's servers is judged, and the probes. */
  watch(nc: NatsConnection): this {
    void (async () => {
      this.check(nc);
      for await (const s of nc.status()) {
        if (s.type === 'update' || s.type === 'reconnect') this.check(nc);
      }
    })();
    const every = this.o.probeIntervalMs ?? 1000;
    if (every > 0) {
      const timer = setInterval(() => void this.probe(nc), every);
      timer.unref();
      void nc.closed().finally(() => clearInterval(timer));
    }
    return this;
  }

  private probing = false;

  private async probe(nc: NatsConnection): Promise<void> {
    if (this.probing || nc.isClosed() || !nc.info?.cluster) return;
    this.probing = true;
    try {
      let answers = 0;
      try {
        const replies = await nc.requestMany('$SRV.PING', '', {
          maxWait: this.o.probeWaitMs ?? 300,
          strategy: 'timer',
        } as never);
        for await (const m of replies) if (m.data.length > 0) answers++;
      } catch {
        // no responders, or the connection went: nobody heard
      }
      if (!nc.isClosed() && this.heardFew(answers)) {
        this.move(nc, { probe: '$SRV.PING', answers, baseline: Math.max(...this.heard) });
      }
    } finally {
      this.probing = false;
    }
  }

  private check(nc: NatsConnection): void {
    const info = nc.info;
    if (!info?.cluster || nc.isClosed()) return;
    const known = info.connect_urls?.length ?? 1;
    if (!this.isMinority(known)) return;
    this.move(nc, { knows: known, cluster: this.largest });
  }

  private move(nc: NatsConnection, why: object): void {
    const info = nc.info;
    const server = nc.getServer();
    this.avoided.set(server, Date.now() + (this.o.avoidMs ?? 10_000));
    this.moves++;
    this.heard = [];
    this.strikes = 0;
    this.o.logger?.warn(
      { server, serverName: info?.server_name, ...why },
      'NATS node is on the minority side of its cluster: moving to another',
    );
    nc.reconnect().catch(() => undefined);
  }
}
