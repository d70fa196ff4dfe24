// How every replica process ends: on SIGTERM/SIGINT, or when its launcher disappears, it runs
// its own stop (a drain) once and exits 0 — or 1 if the stop fails or outlives its bound, so a
// drain that cannot finish never keeps a replica around forever. (Nest's own shutdown hooks
// re-raise the signal instead, which exits 143.)
import type { Logger } from 'pino';
import { watchParent } from './parent-watch.js';

export function stopOnSignals(stop: () => Promise<void>, o: { logger: Logger; boundMs: number }): void {
  const onStop = (reason: string) => {
    o.logger.info({ reason }, 'stopping: draining');
    setTimeout(() => {
      o.logger.error('stop did not finish in time; exiting');
      process.exit(1);
    }, o.boundMs).unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        o.logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => onStop('SIGTERM'));
  process.once('SIGINT', () => onStop('SIGINT'));
  watchParent(() => onStop('parent process gone'));
}
