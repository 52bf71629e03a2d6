import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "daemon",
    include: ["test/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
  },
});
