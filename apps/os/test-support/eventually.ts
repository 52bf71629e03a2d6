/**
 * Polls `check` until it returns a value (not undefined) or the deadline passes — the one way
 * tests wait (no fixed sleeps). Web standards only, so workerd and Node tests share it.
 * @example const row = await eventually("the machine to be ready", async () => (await load())?.ready ? row : undefined);
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
