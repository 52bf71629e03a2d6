/**
 * @iterate/local-sandbox — the local stand-in for Daytona: an HTTP service that starts daemons
 * as child processes, each with its own HOME (README "API").
 */
export { createLocalSandboxApp, type LocalSandboxAppOptions } from "./app.ts";
export {
  type CreateSandboxBody,
  createSandboxBodySchema,
  type Sandbox,
  type SandboxState,
} from "./sandbox.ts";
export {
  type LocalSandboxOptions,
  type RunningLocalSandbox,
  startLocalSandbox,
} from "./server.ts";
