import { mkdtempSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

// One root per test file (modules are isolated per file), removed after everything else in
// that file: hooks run in stack order, so this afterAll, registered at import, runs last.
const root = mkdtempSync(join(tmpdir(), "iterate-platform-test-"));
afterAll(() => rm(root, { recursive: true, force: true }));

/**
 * A fresh directory under this test file's temp root.
 *
 * @example
 * const home = await tempDir("home-");
 */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(root, prefix));
}
