import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { workerUnderTest } from "./test-support/worker-under-test.ts";

/**
 * The Daytona provider where it runs in production — workerd — against a fake Daytona API
 * (test-support/fake-daytona.ts) started in globalSetup (Node) with real daemons behind it.
 * The worker's `DAYTONA_*` bindings point at the fake and `MACHINE_PROVIDER` is `daytona`, so
 * whole-worker tests in this project (the MachineWorkflow) use the same fake.
 */
export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => {
      const daytona = inject("fakeDaytona");
      const machines = inject("machines");
      return workerUnderTest({
        MACHINE_PROVIDER: "daytona",
        DAYTONA_API_KEY: daytona.apiKey,
        DAYTONA_API_URL: daytona.apiUrl,
        DAYTONA_TARGET: daytona.target,
        DAYTONA_SNAPSHOT: daytona.snapshot,
        // Daemons ping the relay; tests deliver the recorded ping (test-support/ping-relay.ts).
        PLATFORM_URL: machines.relayUrl,
      });
    }),
  ],
  test: {
    name: "os daytona (workerd)",
    include: ["test-daytona/**/*.test.ts"],
    // machines-global-setup.ts for its ping relay (its local-sandbox stays unused here).
    globalSetup: ["test-support/daytona-global-setup.ts", "test-support/machines-global-setup.ts"],
    setupFiles: ["test/setup.ts"],
    // Each create starts a real daemon process; the SDK polls once a second.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
