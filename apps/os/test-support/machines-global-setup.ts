/**
 * globalSetup (Node) of the workerd project: a real local-sandbox (packages/local-sandbox, real
 * daemon processes from the real bundle) and the ping relay, their URLs provided to the worker's
 * bindings (vitest.config.ts) and to tests (`inject("machines")`). Every sign-up in the suite
 * creates a real machine, as in production; teardown stops every daemon.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalSandbox } from "@iterate/local-sandbox";
import type { TestProject } from "vitest/node";
import "./machines-context.ts";
import { startPingRelay } from "./ping-relay.ts";
import { startStoppedProxy } from "./stopped-proxy.ts";

export default async function setup(project: TestProject) {
  const root = await mkdtemp(path.join(tmpdir(), "iterate-os-machines-"));
  const secret = randomBytes(24).toString("base64url");
  const [sandbox, relay, stoppedProxy] = await Promise.all([
    startLocalSandbox({ port: 0, secret, root, stopGraceMs: 2_000, log: () => {} }),
    startPingRelay(),
    startStoppedProxy(),
  ]);
  project.provide("machines", {
    localSandboxUrl: sandbox.url,
    localSandboxSecret: secret,
    relayUrl: relay.url,
    stoppedProxyUrl: stoppedProxy.url,
  });
  return async () => {
    await Promise.all([sandbox.close(), relay.close(), stoppedProxy.close()]);
    await rm(root, { recursive: true, force: true });
  };
}
