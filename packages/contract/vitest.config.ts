import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "contract (node)", include: ["test/**/*.test.ts"], environment: "node" },
});
