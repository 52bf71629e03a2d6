import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";

const { O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = constants;

/**
 * Opens `path` only if it is a regular file, else null: without following a symlink and without
 * blocking, then checked on the open descriptor — so a link committed to the repo
 * (`x -> ../.iterate/credentials.json`, `x -> /dev/zero`), a FIFO that would hold a thread of
 * Node's small file pool for ever, or a device is never read or written, also not one swapped
 * in after the caller's own checks. (`O_NOFOLLOW` covers the last component: the callers have
 * checked the directories on the way, workspace-path.ts.) `create` makes a missing file.
 *
 * @example const file = await openRegularFile(abs, "read"); if (file) try { … } finally { await file.handle.close() }
 */
export async function openRegularFile(
  path: string,
  mode: "read" | "edit" | "create",
): Promise<{ handle: FileHandle; size: number } | null> {
  const access = mode === "read" ? O_RDONLY : mode === "edit" ? O_RDWR : O_WRONLY | O_CREAT;
  let handle: FileHandle;
  try {
    handle = await open(path, access | O_NOFOLLOW | O_NONBLOCK, 0o644);
  } catch (error) {
    // A symlink (ELOOP), a FIFO without a reader (ENXIO); anything else (EACCES…) is said as is.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "ENXIO") return null;
    throw error;
  }
  const info = await handle.stat().catch(() => null);
  if (!info?.isFile()) {
    await handle.close();
    return null;
  }
  return { handle, size: info.size };
}

/**
 * Reads at most `maxBytes` from the start of `path` if it is a regular file, else null
 * ({@link openRegularFile}); `size` is the whole file's.
 *
 * @example const file = await readRegularFile(abs, 1 << 20); if (file) use(file.bytes, file.size);
 */
export async function readRegularFile(
  path: string,
  maxBytes: number,
): Promise<{ bytes: Buffer; size: number } | null> {
  const file = await openRegularFile(path, "read");
  if (!file) return null;
  try {
    return { bytes: await readHead(file.handle, Math.min(file.size, maxBytes)), size: file.size };
  } finally {
    await file.handle.close();
  }
}

/**
 * An open file's whole content, read to its end (not to its size when opened, so nothing
 * appended meanwhile is cut off), or null once it passes `maxBytes`: a file that grows while
 * it is read (a log a command still writes) is never held past the bound. One buffer, sized for
 * `sizeHint` (the size seen at the open) and doubled as needed, so a file that grows by a few
 * bytes per read costs at most twice its content.
 *
 * @example const bytes = await readWhole(file.handle, MAX_EDIT_BYTES, file.size); if (!bytes) refuse();
 */
export async function readWhole(
  handle: FileHandle,
  maxBytes: number,
  sizeHint = 0,
): Promise<Buffer | null> {
  // One byte past the bound is enough to tell "too large".
  const limit = maxBytes + 1;
  let buffer = Buffer.allocUnsafe(Math.min(limit, Math.max(sizeHint + 1, 4096)));
  let total = 0;
  for (;;) {
    if (total === buffer.length) {
      const grown = Buffer.allocUnsafe(Math.min(limit, buffer.length * 2));
      buffer.copy(grown, 0, 0, total);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
    if (bytesRead === 0) return buffer.subarray(0, total);
    total += bytesRead;
    if (total > maxBytes) return null;
  }
}

/** The first `length` bytes of an open file (fewer if it is shorter by now). */
async function readHead(handle: FileHandle, length: number): Promise<Buffer> {
  const bytes = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(bytes, read, length - read, read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return bytes.subarray(0, read);
}

/** Replaces an open file's whole content with `text`. */
export async function replaceContent(handle: FileHandle, text: string): Promise<void> {
  const bytes = Buffer.from(text, "utf8");
  await handle.truncate(0);
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, written);
    written += bytesWritten;
  }
}
