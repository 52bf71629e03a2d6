/**
 * @iterate/contract — what platform and daemon agree on. Web standards, zod and @noble/hashes
 * only: runs unchanged in workerd and Node.
 */
export * from "./agent-events.ts";
export * from "./crypto.ts";
export * from "./encoding.ts";
export * from "./env.ts";
export * from "./errors.ts";
export * from "./ids.ts";
export * from "./mcp.ts";
export * from "./messages.ts";
export * from "./replay-cache.ts";
export * from "./request-claims.ts";
export * from "./sha256.ts";
export * from "./signing.ts";
export * from "./signing-crypto.ts";
export * from "./slack.ts";
export * from "./tokens.ts";
export * from "./workspace-path.ts";
