// `npm start` and `npm run dev` run this before the build, so a second start while a launcher
// runs is refused in a fraction of a second instead of after a rebuild of ~20 s. Plain
// JavaScript on purpose: it must run before tsc has built anything. It knows one thing, the
// control port; once built, the launcher checks that and every other port itself
// (tools/mesh/src/port-check.ts, whose line for this case this one repeats word for word).
/* global process, URL, AbortSignal -- Node's, and this file is outside the TypeScript project that knows them */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
const raw = process.env.MESH_CONTROL_PORT ?? '3099';
const port = Number(raw);
// A bad value is the launcher's config to report, naming the variable; not this file's.
if (!/^\d+$/.test(raw) || port < 1 || port > 65535) process.exit(0);

// The control API wants the launcher's token (tools/mesh/src/control-token.ts) and refuses
// requests shaped like a browser's, which Node's fetch is (Sec-Fetch-Mode): node:http, then.
let token = '';
try {
  token = readFileSync(new URL(`../../../.mesh/control-${port}.token`, import.meta.url), 'utf8').trim();
} catch {
  // No token file: no launcher of this checkout on that port.
}
const status = () =>
  new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/status',
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(1000),
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.once('end', () => resolve(text));
    });
    req.end();
  });

let pid = null;
try {
  const body = JSON.parse(await status());
  if (typeof body === 'object' && body !== null && typeof body.pid === 'number') pid = body.pid;
} catch {
  // Nothing answers there, or not a launcher: the launcher's own checks take it from here.
}
if (pid !== null) {
  process.stderr.write(
    `mesh: another launcher (pid ${pid}) is already running a mesh, its control API on 127.0.0.1:${port}: use it (\`npm run mesh -- status\`), stop it (Ctrl-C in its terminal), or give this one its own MESH_CONTROL_PORT, PORT and NATS_URL\n`,
  );
  process.exit(1);
}
