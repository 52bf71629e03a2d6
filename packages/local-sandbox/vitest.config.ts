import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "local-sandbox",
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
