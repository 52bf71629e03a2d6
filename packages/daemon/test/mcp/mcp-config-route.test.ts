import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { configResponseSchema, generateDaemonSecret, signRequest } from "@iterate/contract";
import { Hono } from "hono";
import { beforeEach, describe, expect, it } from "vitest";
import { platformAuth } from "../../src/auth/platform-auth.ts";
import type { MachineEnv } from "../../src/env/machine-env.ts";
import { createPlatformRoutes } from "../../src/platform/platform-routes.ts";
import type { WorkspaceBootstrapper } from "../../src/workspace/bootstrap.ts";
import { MACHINE_TOKEN, useHubHarness } from "./support/hub-harness.ts";

// Attacks on `GET /platform/config?connect=true`, the one GET that starts processes on the
// machine: only the platform's signature for exactly that target, once, may start a server,
// and what it answers never holds a resolved value.

const FIXTURE = fileURLToPath(new URL("./support/stdio-server.mjs", import.meta.url));
const FX_TOKEN = "fx-config-route-secret-7c1e9b";
const key = { secret: generateDaemonSecret(), machineId: "mch_config_route" };
const TARGET = "/platform/config?connect=true";

const h = useHubHarness({ machineEnv: { FX_TOKEN } });
let app: Hono;
beforeEach(async () => {
  h.env.HOME = h.workspace;
  await writeFile(
    join(h.workspace, "iterate.config.json"),
    JSON.stringify({
      mcpServers: {
        fx: { command: "node", args: [FIXTURE], env: { API_TOKEN: "${FX_TOKEN}" } },
      },
    }),
  );
  app = new Hono();
  app.use("/platform/*", platformAuth(key));
  app.route(
    "/platform",
    createPlatformRoutes({
      machineId: key.machineId,
      version: "test",
      startedAt: Date.now(),
      // GET /config reads only the workspace's directory and the hub.
      workspace: { dir: h.workspace } as WorkspaceBootstrapper,
      machineEnv: {} as MachineEnv,
      mcp: h.hub,
    }),
  );
});

const get = (path: string, token?: string) =>
  app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const sign = (url: string, over: Partial<typeof key> = {}, method = "GET") =>
  signRequest({ ...key, ...over, method, url });

describe("GET /platform/config?connect=true, attacked", () => {
  it("starts nothing for an unsigned, mis-targeted, mis-addressed or forged request (401)", async () => {
    const attempts: Array<[string, string | undefined]> = [
      ["unsigned", undefined],
      ["signed for /platform/config (no query)", await sign("/platform/config")],
      ["signed for ?connect=false", await sign("/platform/config?connect=false")],
      ["signed for another machine", await sign(TARGET, { machineId: "mch_someone_else" })],
      ["signed with another secret", await sign(TARGET, { secret: generateDaemonSecret() })],
      ["signed for POST", await sign(TARGET, {}, "POST")],
    ];
    for (const [what, token] of attempts) {
      const res = await get(TARGET, token);
      expect(res.status, what).toBe(401);
    }
    // Not even synced: no request reached the route.
    expect(h.hub.status()).toEqual([]);
    expect(h.logs).toEqual([]);
  });

  it("the genuine request starts the server once; the same token replayed is refused (401)", async () => {
    const token = await sign(TARGET);
    const res = await get(TARGET, token);
    expect(res.status).toBe(200);
    const body = await res.text();
    const { mcpServers } = configResponseSchema.parse(JSON.parse(body));
    expect(mcpServers.map((s) => [s.name, s.state])).toEqual([["fx", "ready"]]);
    // The answer names the reference, never its value nor the machine token.
    expect(body).toContain("${FX_TOKEN}");
    expect(body).not.toContain(FX_TOKEN);
    expect(body).not.toContain(MACHINE_TOKEN);

    const replayed = await get(TARGET, token);
    expect(replayed.status).toBe(401);
  });
});
