/**
 * Polls `check` until it returns something truthy, or throws naming `what` at the deadline:
 * tests wait on outcomes, never on fixed sleeps.
 *
 * @example
 * await until(() => !isAlive(pid), { what: `daemon ${pid} to exit` });
 */
export async function until<T>(
  check: () => T | Promise<T>,
  options: { what: string; timeoutMs?: number },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
