import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { workerUnderTest } from "./test-support/worker-under-test.ts";

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => {
      const machines = inject("machines");
      const slack = inject("fakeSlack");
      const openai = inject("fakeOpenAI");
      return workerUnderTest({
        MACHINE_PROVIDER: "local",
        LOCAL_SANDBOX_URL: machines.localSandboxUrl,
        LOCAL_SANDBOX_SECRET: machines.localSandboxSecret,
        // Daemons ping the relay; tests deliver the recorded ping (test-support/ping-relay.ts).
        PLATFORM_URL: machines.relayUrl,
        // "Add to Slack" and the Slack proxy talk to the fake Slack (test-support/fake-slack.ts).
        SLACK_API_URL: slack.apiUrl,
        SLACK_AUTHORIZE_URL: slack.authorizeUrl,
        SLACK_CLIENT_ID: slack.clientId,
        SLACK_CLIENT_SECRET: slack.clientSecret,
        // Tests sign their events with it (test/slack-edge/support.ts).
        SLACK_SIGNING_SECRET: "test-slack-signing-secret",
        // The LLM proxy's upstream and "real" key: the fake OpenAI (test-support/fake-openai.ts).
        LLM_UPSTREAM_URL: openai.baseUrl,
        OPENAI_API_KEY: openai.apiKey,
      });
    }),
  ],
  test: {
    name: "os (workerd)",
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    setupFiles: ["test/setup.ts"],
    globalSetup: [
      "test-support/machines-global-setup.ts",
      "test-support/openai-global-setup.ts",
      "test-support/slack-global-setup.ts",
    ],
    // Machine tests wait for real daemons and the workflow's retry delays.
    testTimeout: 30_000,
  },
});
