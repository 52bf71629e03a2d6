/**
 * Decrypted values kept per isolate, each under an id and the envelope(s) it was opened from: an
 * unchanged envelope skips the AES-GCM decrypt, a changed one (re-sealed, replaced) is opened
 * again. A failed open is not kept, so fixing a key takes effect at once — and it drops only its
 * own entry, never a newer one opened meanwhile. Bounded: past `max` ids it starts afresh.
 *
 * @example
 * const botTokens = createOpenedCache<string>(1000);
 * const token = await botTokens.get(teamId, envelope, () => openBotToken(keyring, row));
 */
export function createOpenedCache<T>(max: number) {
  const entries = new Map<string, { key: string; value: Promise<T> }>();
  return {
    get(id: string, key: string, open: () => Promise<T>): Promise<T> {
      const cached = entries.get(id);
      if (cached?.key === key) return cached.value;
      const value = open();
      value.catch(() => {
        if (entries.get(id)?.value === value) entries.delete(id);
      });
      if (entries.size >= max) entries.clear();
      entries.set(id, { key, value });
      return value;
    },
  };
}
