import { defineConfig } from "vitest/config";

/**
 * End-to-end: the real platform worker (wrangler's dev runtime, browser/start-worker.ts), a real local-sandbox and real
 * daemon processes that ping the platform for real (browser/start-platform.ts).
 */
export default defineConfig({
  test: {
    name: "os (e2e)",
    root: import.meta.dirname,
    include: ["e2e/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
