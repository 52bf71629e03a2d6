import { defineConfig } from "vitest/config";

// vitest 4 ignores a file of this name unless passed with --config (see README):
// the root package.json does exactly that. Globs let each package add projects of its own.
export default defineConfig({
  test: {
    // Two files at a time even on 2 cores (vitest's default there is one): most of a file's time is
    // spent waiting — a workerd per file starting (~3 s), daemons, Chromium, timers — not on a CPU.
    // The whole suite: ~540 s one at a time, ~410 s two at a time, on the 2-core CI machine.
    maxWorkers: 2,
    projects: [
      "packages/*/vitest.config.ts",
      "packages/*/vitest.workers.config.ts",
      "apps/os/vitest.config.ts",
      "apps/os/vitest.*.config.ts",
    ],
  },
});
