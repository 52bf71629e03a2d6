export {
  type AgentsAppOptions,
  createAgentsApp,
  createFileStreamStore,
  createMemoryStreamStore,
  type FileStreamStoreOptions,
  type StreamInfo,
  type StreamStore,
} from "@iterate/streams";
export { createDaemonApp, type DaemonAppOptions } from "./app.ts";
export {
  openPersistentReplayCache,
  type PersistentReplayCache,
} from "./auth/persistent-replay-cache.ts";
export { type PlatformAuthOptions, platformAuth } from "./auth/platform-auth.ts";
export { type Credentials, CredentialsError, loadOrCreateCredentials } from "./credentials.ts";
export { createMachineEnv, type MachineEnv } from "./env/machine-env.ts";
export { pingPlatform } from "./ping.ts";
export { createPlatformRoutes, type PlatformRoutesOptions } from "./platform/platform-routes.ts";
export { type PlatformSetup, setupPlatform } from "./platform/platform-setup.ts";
export {
  daemonSettingsFromEnv,
  type RunningDaemon,
  type StartDaemonOptions,
  startDaemon,
} from "./server.ts";
export {
  type AcceptedSlackEvent,
  createSlackEdgeRoutes,
  type SlackEdgeOptions,
  type SlackEventHandler,
} from "./slack/slack-edge-routes.ts";
export { createSlackEventLog, type RecordOutcome } from "./slack/slack-event-log.ts";
export { DAEMON_VERSION } from "./version.ts";
export { createWorkspaceBootstrapper } from "./workspace/bootstrap.ts";
export { readWorkspaceConfig } from "./workspace/config.ts";
