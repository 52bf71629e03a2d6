import { defineConfig } from "vitest/config";

/**
 * Browser tests: a Node project that starts the real worker (wrangler's dev runtime, browser/start-worker.ts,
 * temp persist dir) and drives Debian's Chromium through playwright-core.
 */
export default defineConfig({
  test: {
    name: "os (browser)",
    root: import.meta.dirname,
    include: ["browser/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
