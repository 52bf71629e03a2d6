import { defineConfig } from "vitest/config";

// vitest 4 ignores a file of this name unless passed with --config (see README):
// the root package.json does exactly that.
export default defineConfig({
  test: {
    projects: [
      "packages/contract/vitest.config.ts",
      "packages/contract/vitest.workers.config.ts",
      "apps/os/vitest.config.ts",
      "packages/daemon/vitest.config.ts",
    ],
  },
});
