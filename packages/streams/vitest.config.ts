import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "streams",
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    // The conformance files spend most of their time in timers (long-poll
    // timeouts, TTL expiry), not on a CPU: run them side by side even on 2 cores.
    maxWorkers: 4,
    // A project with its own maxWorkers must run in its own group in the workspace run.
    sequence: { groupOrder: 1 },
  },
});
