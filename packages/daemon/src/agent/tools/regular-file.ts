import { constants } from "node:fs";
import { open } from "node:fs/promises";

/**
 * Reads at most `maxBytes` from the start of `path` if it is a regular file, else null. Opened
 * without following a symlink and without blocking, then checked on the open descriptor: a
 * link committed to the repo (`x -> ../.iterate/credentials.json`, `x -> /dev/zero`), a FIFO
 * that would hold a thread of Node's small file pool for ever, or a device is never read —
 * also not one swapped in after the caller's own checks.
 *
 * @example const file = await readRegularFile(abs, 1 << 20); if (file) use(file.bytes, file.size);
 */
export async function readRegularFile(
  path: string,
  maxBytes: number,
): Promise<{ bytes: Buffer; size: number } | null> {
  const handle = await open(
    path,
    constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
  ).catch(() => null);
  if (!handle) return null;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return null;
    const bytes = Buffer.alloc(Math.min(info.size, maxBytes));
    let read = 0;
    while (read < bytes.length) {
      const { bytesRead } = await handle.read(bytes, read, bytes.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return { bytes: bytes.subarray(0, read), size: info.size };
  } finally {
    await handle.close();
  }
}
