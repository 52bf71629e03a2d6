import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

/** A fixed test key (base64 of 32 bytes); real keys come from .dev.vars or `wrangler secret put`. */
const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");
/** A fixed test pepper (auth/password.ts); real ones come from .dev.vars or `wrangler secret put`. */
const TEST_PASSWORD_PEPPER = Buffer.alloc(32, 9).toString("base64");

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => {
      const machines = inject("machines");
      const slack = inject("fakeSlack");
      const openai = inject("fakeOpenAI");
      return {
        main: path.join(root, "apps/os/src/worker.ts"),
        wrangler: { configPath: path.join(root, "wrangler.toml") },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: await readD1Migrations(path.join(root, "drizzle")),
            ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
            PASSWORD_PEPPER: TEST_PASSWORD_PEPPER,
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
          },
        },
      };
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
