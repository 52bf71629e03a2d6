import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Creates `dir` (and parents) if needed and makes it private to the daemon's user (0700),
 * even when it already existed with looser bits.
 *
 * @example
 * await ensurePrivateDir(join(home, ".iterate"));
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/**
 * Writes `data` to `path` so that readers see either the old file or the new one, never a
 * torn write: a sibling temp file is written with `mode`, fsynced, then renamed over `path`.
 *
 * @example
 * await writeFileAtomic("/home/u/.iterate/env.json", "{}\n", 0o600);
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  // `wx` + mode: the secret never exists on disk, even briefly, with the umask's default bits.
  const handle = await open(tmp, "wx", mode);
  try {
    await handle.writeFile(data, "utf8");
    await handle.chmod(mode);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await syncDir(dirname(path));
}

/** Makes the rename durable across a power loss; best effort where directories cannot be opened. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  }
}
