// A port that is a database when open and a closed port when not: a TCP forwarder to the real
// PostgreSQL that a test opens and closes. Closed, connections to it are refused (ECONNREFUSED,
// as from a PostgreSQL that is not running) while the shared server stays up for everyone else.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './free-port.js';

export interface TcpForwarder {
  /** The port clients connect to (refused while closed). */
  port: number;
  /** Starts accepting and forwarding connections. */
  open: () => Promise<void>;
  /** Stops accepting, and cuts every forwarded connection. */
  close: () => Promise<void>;
}

/** A forwarder to `to` on a free local port, closed until `open()`. */
export async function tcpForwarder(to: { host: string; port: number }): Promise<TcpForwarder> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  return {
    port,
    open: async () => {
      if (server) return;
      const srv = createServer((client) => {
        const upstream = connect(to.port, to.host);
        track(client);
        track(upstream);
        client.pipe(upstream).pipe(client);
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
      });
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, '127.0.0.1', () => resolve());
      });
    },
    close: async () => {
      const srv = server;
      server = undefined;
      for (const s of sockets) s.destroy();
      if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
    },
  };
}
