import type { NatsConnection } from '@nats-io/transport-node';

/** Whether a NATS connection is up right now (it reconnects by itself): for readiness checks. */
export class NatsStatus {
  private connected = true;

  constructor(private readonly nc: NatsConnection) {
    void this.watch();
  }

  get isConnected(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnecting') this.connected = false;
      else if (s.type === 'reconnect') this.connected = true;
    }
    this.connected = false;
  }
}
