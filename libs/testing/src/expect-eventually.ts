/** Retries `check` until it stops throwing, or fails with its last error after `timeoutMs`. */
export async function expectEventually<T>(
  check: () => T | Promise<T>,
  o: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (o.timeoutMs ?? 5000);
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw last;
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 50));
  }
}
