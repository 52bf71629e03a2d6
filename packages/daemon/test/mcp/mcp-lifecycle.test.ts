import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { configResponseSchema } from "@iterate/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentMachine, startAgentMachine } from "../agent/support/agent-machine.ts";
import { eventually } from "../agent/support/eventually.ts";
import { processAlive } from "../support/process-alive.ts";

// The real daemon's MCP servers across env pushes and daemon stops: nothing is left running.

const FIXTURE = fileURLToPath(new URL("./support/stdio-server.mjs", import.meta.url));

let m: AgentMachine;
beforeAll(async () => {
  m = await startAgentMachine({ instanceEnv: { FX_TOKEN: "first-value" } });
  await writeFile(
    join(m.workspace, "iterate.config.json"),
    JSON.stringify({
      mcpServers: {
        fx: { command: "node", args: [FIXTURE], env: { API_TOKEN: "${FX_TOKEN}" } },
      },
    }),
  );
});
afterAll(() => m.stop());

/** The pids of the daemon's child processes running the fixture. */
async function fixturePids(daemonPid: number): Promise<number[]> {
  const { execFile } = await import("node:child_process");
  const out = await new Promise<string>((resolve) =>
    execFile("ps", ["-eo", "pid=,ppid=,args="], (_, stdout) => resolve(stdout)),
  );
  return out
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, ...args]) => Number(ppid) === daemonPid && args.join(" ").includes(FIXTURE))
    .map(([pid]) => Number(pid));
}

async function connect() {
  const res = await m.signed("GET", "/platform/config?connect=true");
  expect(res.status).toBe(200);
  return configResponseSchema.parse(await res.json()).mcpServers;
}

describe("MCP servers and the daemon's life", () => {
  it("an env push restarts a running server at once, before any session asks", async () => {
    expect((await connect())[0]?.state).toBe("ready");
    const [before] = await fixturePids(m.daemon.child.pid ?? 0);
    expect(before).toBeGreaterThan(0);
    const res = await m.pushInstanceEnv({ FX_TOKEN: "second-value" });
    expect(res.status).toBe(200);
    // No request since the push: the restart came from the push itself.
    expect(m.daemon.output()).toContain("mcp: fx: its config or env changed, restarting");
    await eventually(() => !processAlive(before as number));
    await eventually(async () => (await fixturePids(m.daemon.child.pid ?? 0)).length === 1);
  });

  it("a stopped daemon leaves no server behind, nor does a killed one", async () => {
    await connect();
    const [running] = await fixturePids(m.daemon.child.pid ?? 0);
    expect(running).toBeGreaterThan(0);
    await m.restart(); // SIGTERM: the daemon stops its servers before it exits
    expect(processAlive(running as number)).toBe(false);

    await connect();
    const [orphan] = await fixturePids(m.daemon.child.pid ?? 0);
    expect(orphan).toBeGreaterThan(0);
    await m.restart({ kill: true }); // SIGKILL: the server sees its stdin close and exits
    await eventually(() => !processAlive(orphan as number));
  });

  it("a Stop while a server is still starting ends the run at once, not after the wait", async () => {
    const config = join(m.workspace, "iterate.config.json");
    const original = await readFile(config, "utf8");
    try {
      await writeFile(
        config,
        JSON.stringify({
          // Never answers initialize: the run would wait its 15 s for it.
          mcpServers: { mute: { command: "node", args: ["-e", "setInterval(() => {}, 1000)"] } },
        }),
      );
      const asked = m.llm.requests.length;
      const res = await m.signed("POST", "/agents-api/web-sessions", { text: "use the tools" });
      expect(res.status).toBeLessThan(300);
      const { session } = (await res.json()) as { session: { path: string } };
      // The run has started the server and waits for it (a plain read starts nothing).
      await eventually(async () => {
        const status = await m.signed("GET", "/platform/config");
        const { mcpServers } = configResponseSchema.parse(await status.json());
        return mcpServers.find((server) => server.name === "mute")?.state === "starting";
      });
      const stopAt = performance.now();
      const stop = await m.signed("POST", `/agents-api/sessions/${session.path}/stop`);
      expect(await stop.json()).toEqual({ stopped: true });
      const finished = await eventually(async () =>
        (await m.items(session.path)).find((i) => i.type === "run_finished"),
      );
      expect(performance.now() - stopAt).toBeLessThan(5000);
      expect(finished).toMatchObject({ outcome: "stopped" });
      // The user's message is kept in the session, and the model was never asked.
      const messages = (await m.items(session.path)).filter((i) => i.type === "message");
      expect(messages).toHaveLength(1);
      expect(m.llm.requests.length).toBe(asked);
    } finally {
      await writeFile(config, original);
    }
  });
});
