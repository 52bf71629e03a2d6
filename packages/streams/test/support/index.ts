/**
 * Test support other packages share (`@iterate/streams/testing`): the daemon's
 * stream tests run the same restart and kill -9 scenarios against the real
 * daemon process that this package runs against its own store process.
 *
 * @example
 * import { streamClient, tailAcrossRestart } from "@iterate/streams/testing";
 */
export { faultyFs, fsError } from "./faulty-fs.ts";
export { burstThenKill, type KillableServer, tornLastRecord } from "./kill-9-scenarios.ts";
export { serveApp } from "./serve-app.ts";
export {
  type OutgoingRequest,
  type StreamClient,
  type StreamClientOptions,
  type StreamReply,
  streamClient,
} from "./stream-client.ts";
export { type RestartableServer, tailAcrossRestart } from "./tail-across-restart.ts";
