import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createAgentRuntime } from "./agent/agent-runtime.ts";
import { CredentialsError } from "./credentials.ts";
import { InstanceEnvFileError } from "./env/instance-env-store.ts";
import { watchParent } from "./parent-watch.ts";
import { setupPlatform } from "./platform/platform-setup.ts";
import { daemonSettingsFromEnv, startDaemon } from "./server.ts";

// Order: args/env → credentials (fail fast, one line) → app with auth → listen → ping in background.
const USAGE =
  "usage: iterate-daemon [--home DIR]   (env: PORT, HOST, ITERATE_*, ITERATE_LONG_POLL_MS, ITERATE_SSE_MAX_MS, LOG_LEVEL)";
const { args, settings } = (() => {
  try {
    // `--` is skipped: `pnpm start -- --home x` passes it through.
    const argv = process.argv.slice(2).filter((arg) => arg !== "--");
    const { values } = parseArgs({
      args: argv,
      options: { home: { type: "string" } },
      strict: true,
    });
    return { args: values, settings: daemonSettingsFromEnv(process.env) };
  } catch (error) {
    console.error(`iterate-daemon: ${(error as Error).message}\n${USAGE}`);
    process.exit(1);
  }
})();
const home = resolve(args.home ?? process.env.HOME ?? homedir());

const platform = await setupPlatform({ home, env: process.env }).catch((error: unknown) => {
  if (error instanceof CredentialsError || error instanceof InstanceEnvFileError) {
    console.error(`iterate-daemon: ${error.message}`);
    process.exit(1);
  }
  throw error;
});

const stopping = new AbortController();
// Streams (~/.iterate/streams) are opened and recovered before listening.
const daemon = await startDaemon({
  home,
  ...settings,
  auth: platform.auth,
  platform: platform.routes,
  // The agents answer Slack threads and web sessions in ~/workspace with the machine env.
  createAgents: (store) =>
    createAgentRuntime({
      store,
      machineEnv: platform.machineEnv,
      workspaceDir: join(home, "workspace"),
      mcp: platform.mcp,
    }),
});

// SIGTERM: stop accepting, finish in-flight appends, end SSE with a final control event, exit.
// Installed before the listening line: a supervisor that stops the daemon as soon as it reads
// that line must get the graceful shutdown, not Node's default signal exit.
let shuttingDown = false;
async function shutdown() {
  if (shuttingDown) return;
  shuttingDown = true;
  stopping.abort();
  await daemon.shutdown();
  // After the agents: a run's last tool call may still be going to its server.
  await platform.mcp.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
watchParent({ env: process.env, onParentGone: shutdown });

console.log(`iterate-daemon listening on :${daemon.port}`);
void platform.startPing(stopping.signal);
// In the background: runs a previous daemon left unfinished are ended (recorded, said in their
// thread), then the Slack messages it recorded but never took are handed to the agent again.
const agents = daemon.agents;
if (agents) {
  void (async () => {
    const interrupted = await agents.recoverInterrupted();
    const retaken = await agents.retakeRecent();
    console.log(
      `agent: start-up recovery done: ${interrupted} interrupted run(s) recorded, ${retaken} recent Slack event(s) handed on again`,
    );
  })().catch((error: unknown) =>
    console.error(`agent: recovery failed: ${(error as Error).message}`),
  );
}
