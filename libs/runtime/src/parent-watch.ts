/**
 * Calls `onOrphaned` once if this process's parent goes away (it is re-parented, so its ppid
 * changes): a replica whose launcher was SIGKILLed then drains and exits instead of living on
 * unsupervised. Under Docker or Kubernetes a replica is PID 1 (ppid 0) and this never fires.
 */
export function watchParent(onOrphaned: () => void, intervalMs = 1000): void {
  const parent = process.ppid;
  if (parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onOrphaned();
    }
  }, intervalMs);
  timer.unref();
}
