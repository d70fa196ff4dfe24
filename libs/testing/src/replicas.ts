// Replicas a test mesh started, by pid: which still run, and scaling a service to 0 on purpose.
import type { AppProcess } from './app-process.js';
import type { TestMesh } from './test-mesh.js';

const running = (p: AppProcess) => p.child.exitCode === null && p.child.signalCode === null;

/** The replicas of `app` this test started that are still running, oldest first. */
export function liveReplicas(mesh: TestMesh, app: string): AppProcess[] {
  return (mesh.replicas.get(app) ?? []).filter(running);
}

/** Scales `app` to 0: SIGTERM to every replica by pid, then waits for each to exit. */
export async function scaleToZero(mesh: TestMesh, app: string): Promise<Array<number | null>> {
  const procs = liveReplicas(mesh, app);
  for (const p of procs) p.kill('SIGTERM');
  return Promise.all(procs.map((p) => p.exited));
}
