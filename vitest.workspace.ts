import { defineConfig } from "vitest/config";

// vitest 4 ignores a file of this name unless passed with --config (see README):
// the root package.json does exactly that. Globs let each package add projects of its own.
export default defineConfig({
  test: {
    projects: [
      "packages/*/vitest.config.ts",
      "packages/*/vitest.workers.config.ts",
      "apps/os/vitest.config.ts",
      "apps/os/vitest.*.config.ts",
    ],
  },
});
