// /health/live and /health/ready for a service replica (which otherwise has no HTTP port), for
// Kubernetes probes and compose healthchecks. Live: the event loop answers. Ready: connected to
// NATS and joined the mesh (its endpoints are subscribed). A database outage does not make a
// replica unready: it answers 503 fast meanwhile, and restarting it would not bring the database
// back (docs/fail-soft.md). The server is up before the replica's database is open, so a replica that
// waits for it is live (a liveness or startup probe does not restart it into the same wait) and
// not ready (it serves nothing yet): docs/troubleshooting.md, "PostgreSQL unreachable".
import { createServer, type Server } from 'node:http';

export interface HealthServer {
  port: number;
  /** Replaces the readiness check (the replica's start hands it over once it can serve). */
  setReady: (ready: () => boolean) => void;
  close: () => Promise<void>;
}

export async function startHealthServer(o: {
  port: number;
  host?: string;
  ready: () => boolean;
}): Promise<HealthServer> {
  let ready = o.ready;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const status = path === '/health/live' ? 200 : path === '/health/ready' ? (ready() ? 200 : 503) : 404;
    const body = JSON.stringify({ status: status === 200 ? 'ok' : status === 503 ? 'unavailable' : 'not found' });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : o.port,
    setReady: (check) => void (ready = check),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
