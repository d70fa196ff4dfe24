// `npm start` and `npm run dev` run this before the build, so a second start while a launcher
// runs is refused in a fraction of a second instead of after a rebuild of ~20 s. Plain
// JavaScript on purpose: it must run before tsc has built anything. It knows one thing, the
// control port; once built, the launcher checks that and every other port itself
// (tools/mesh/src/port-check.ts, whose line for this case this one repeats word for word).
/* global process, fetch, AbortSignal -- Node's, and this file is outside the TypeScript project that knows them */
const raw = process.env.MESH_CONTROL_PORT ?? '3099';
const port = Number(raw);
// A bad value is the launcher's config to report, naming the variable; not this file's.
if (!/^\d+$/.test(raw) || port < 1 || port > 65535) process.exit(0);

let pid = null;
try {
  const res = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(1000) });
  const body = await res.json();
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
