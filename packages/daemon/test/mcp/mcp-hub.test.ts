import { createHash } from "node:crypto";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { McpServersConfig } from "../../src/mcp/mcp-hub.ts";
import { eventually } from "../agent/support/eventually.ts";
import { processAlive } from "../support/process-alive.ts";
import { call, MACHINE_TOKEN, textOf, useHubHarness } from "./support/hub-harness.ts";

const FIXTURE = fileURLToPath(new URL("./support/stdio-server.mjs", import.meta.url));
const SECRET = "s3cret-token-from-the-instance-env";

const h = useHubHarness({ machineEnv: { SECRET_TOKEN: SECRET }, backoffMs: 50 });

const fixture = (extra: Record<string, unknown> = {}) => ({
  command: "node",
  args: [FIXTURE],
  env: { API_TOKEN: "${SECRET_TOKEN}" },
  ...extra,
});

describe("a stdio server", () => {
  it("is started on demand, offers <server>__<tool> with its schema, and answers calls", async () => {
    const config: McpServersConfig = { fx: fixture() };
    h.hub.sync(config);
    expect(h.statusOf("fx")).toMatchObject({ state: "stopped", transport: "stdio", tools: [] });

    const lease = await h.hub.open(config);
    expect(h.statusOf("fx").state).toBe("ready");
    const echo = lease.tools.find((t) => t.name === "fx__echo");
    expect(echo?.description).toBe("Echoes the text back.");
    expect(echo?.parameters).toMatchObject({
      type: "object",
      properties: { text: { type: "string" } },
    });
    expect(lease.servers).toEqual([
      expect.objectContaining({ name: "fx", state: "ready", error: null }),
    ]);
    expect(textOf(await call(lease.tools, "fx__echo", { text: "hi" }))).toBe("echo: hi");

    // It runs in the workspace with the machine h.env.
    const where = JSON.parse(textOf(await call(lease.tools, "fx__whereami")));
    expect(where.cwd).toBe(h.workspace);
    lease.release();
  });

  it("resolves ${NAME} from the machine env in memory; the status never shows the value", async () => {
    const lease = await h.hub.open({ fx: fixture() });
    const digest = createHash("sha256").update(SECRET).digest("hex");
    expect(textOf(await call(lease.tools, "fx__token_digest"))).toBe(`digest ${digest}`);
    expect(JSON.stringify(h.hub.status())).not.toContain(SECRET);
    expect(h.statusOf("fx").target).toBe(`node ${FIXTURE}`);
    lease.release();
  });

  it("returns images as image content, and isError results as the tool's failure", async () => {
    const lease = await h.hub.open({ fx: fixture() });
    const picture = await call(lease.tools, "fx__picture");
    expect(picture.content).toEqual([
      { type: "text", text: "a 1x1 pixel" },
      { type: "image", data: expect.stringMatching(/^iVBOR/), mimeType: "image/png" },
    ]);
    expect(await call(lease.tools, "fx__fail")).toEqual({
      ok: false,
      text: "the fixture refused: no such record",
    });
    lease.release();
  });

  it("times a call out after toolTimeoutSeconds, in words", async () => {
    const lease = await h.hub.open({ fx: fixture({ toolTimeoutSeconds: 1 }) });
    expect(await call(lease.tools, "fx__slow", { ms: 1800 })).toEqual({
      ok: false,
      text: "The MCP tool slow of fx did not answer within 1 s.",
    });
    // The server is still fine for the next call.
    expect(textOf(await call(lease.tools, "fx__echo", { text: "after" }))).toBe("echo: after");
    lease.release();
  });

  it("is restarted with backoff after a crash, and the crash is reported with its stderr", async () => {
    const lease = await h.hub.open({ fx: fixture() });
    const before = JSON.parse(textOf(await call(lease.tools, "fx__whereami"))).pid;
    const crashed = await call(lease.tools, "fx__crash");
    expect(crashed.ok).toBe(false);
    const failed = await eventually(() => h.statusOf("fx").error !== null && h.statusOf("fx"));
    expect(failed.error).toMatch(/stopped unexpectedly: fixture: crashing on request/);

    const back = await eventually(() => h.statusOf("fx").state === "ready" && h.statusOf("fx"));
    expect(back.restarts).toBe(1);
    // The lease's tools reach the new process.
    const after = JSON.parse(textOf(await call(lease.tools, "fx__whereami"))).pid;
    expect(after).not.toBe(before);
    expect(processAlive(before)).toBe(false);
    lease.release();
  });

  it("picks up a tool added later (notifications/tools/list_changed)", async () => {
    const lease = await h.hub.open({ fx: fixture() });
    expect(lease.tools.map((t) => t.name)).not.toContain("fx__late");
    await call(lease.tools, "fx__add_tool");
    await eventually(() => h.statusOf("fx").tools.some((t) => t.name === "fx__late"));
    lease.release();
    const next = await h.hub.open({ fx: fixture() });
    expect(textOf(await call(next.tools, "fx__late"))).toBe("late tool");
    next.release();
  });

  it("refuses a cwd that leads out of the workspace through a symlink", async () => {
    await symlink("/tmp", join(h.workspace, "out"));
    const lease = await h.hub.open({ fx: fixture({ cwd: "out" }) });
    expect(lease.tools).toEqual([]);
    expect(h.statusOf("fx")).toMatchObject({
      state: "failed",
      error: expect.stringMatching(/cwd leads out of the workspace/),
    });
    lease.release();
  });

  it("stops when the hub closes: no process is left", async () => {
    const lease = await h.hub.open({ fx: fixture() });
    const { pid } = JSON.parse(textOf(await call(lease.tools, "fx__whereami")));
    lease.release();
    await h.hub.close();
    await eventually(() => !processAlive(pid));
    expect(h.statusOf("fx").state).toBe("stopped");
  });

  it("stops after the idle time once no run holds it, and starts again for the next", async () => {
    await h.reopen({ log: () => {}, idleMs: 100 });
    const lease = await h.hub.open({ fx: fixture() });
    const { pid } = JSON.parse(textOf(await call(lease.tools, "fx__whereami")));
    lease.release();
    await eventually(() => h.statusOf("fx").state === "stopped" && !processAlive(pid));
    const again = await h.hub.open({ fx: fixture() });
    expect(h.statusOf("fx").state).toBe("ready");
    again.release();
  });

  it("ends a run's wait at once when it is stopped, keeping no lease for it", async () => {
    await h.reopen({ log: () => {}, idleMs: 100, runWaitMs: 60_000 });
    // Never answers initialize: without the stop the open would wait its full minute.
    const mute = { command: "node", args: ["-e", "setInterval(() => {}, 1000)"] };
    const stop = new AbortController();
    const opening = h.hub.open({ mute }, stop.signal);
    await eventually(() => h.statusOf("mute").state === "starting");
    stop.abort();
    expect(await opening).toMatchObject({ tools: [], servers: [] });
    // No lease is left: the idle time runs out and the server is stopped.
    await eventually(() => h.statusOf("mute").state === "stopped", { timeoutMs: 10_000 });
  });
});

describe("what a stdio server is given and gives back", () => {
  it("gets the machine env without the machine token, unless its config names it", async () => {
    h.env.OPENAI_API_KEY = MACHINE_TOKEN; // the platform's default: the token, for the LLM proxy
    const lease = await h.hub.open({
      plain: fixture(),
      named: fixture({ env: { GIVEN_TOKEN: "${ITERATE_MACHINE_TOKEN}" } }),
    });
    const plain = JSON.parse(textOf(await call(lease.tools, "plain__whereami")));
    expect(plain.credentials).toEqual([]);
    const named = JSON.parse(textOf(await call(lease.tools, "named__whereami")));
    expect(named.credentials).toEqual(["GIVEN_TOKEN"]);
    lease.release();
  });

  it("has secrets scrubbed from what its tools answer", async () => {
    const lease = await h.hub.open({ fx: fixture() });
    expect(textOf(await call(lease.tools, "fx__echo", { text: `leak ${SECRET}` }))).toBe(
      "echo: leak ${SECRET_TOKEN}",
    );
    lease.release();
  });

  it("offers at most 100 MCP tools to a run, and says which were left out", async () => {
    const lease = await h.hub.open({ big: fixture({ env: { FIXTURE_EXTRA_TOOLS: "150" } }) });
    expect(lease.tools).toHaveLength(100);
    expect(lease.servers[0]).toMatchObject({
      state: "ready",
      error: "only 100 of its 158 tools are offered (at most 100 MCP tools per run)",
    });
    lease.release();
  });

  it("does not hold a run for a server that never answers initialize", async () => {
    await h.reopen({ log: () => {}, runWaitMs: 300 });
    // fx is up first: on a loaded machine a fresh one can take longer than the run's wait.
    const fx = fixture();
    (await h.hub.open({ fx })).release();
    await eventually(() => h.hub.status().find((s) => s.name === "fx")?.state === "ready");
    const started = performance.now();
    const lease = await h.hub.open({
      mute: { command: "node", args: ["-e", "setInterval(() => {}, 1000)"] },
      fx,
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(lease.servers.map((s) => [s.name, s.state])).toEqual([
      ["mute", "starting"],
      ["fx", "ready"],
    ]);
    expect(lease.tools.some((t) => t.name === "fx__echo")).toBe(true);
    lease.release();
  });
});

describe("failures stay with their server", () => {
  it("a server that cannot start is reported with what it said; the others go on", async () => {
    const lease = await h.hub.open({
      broken: fixture({ env: { FIXTURE_FAIL_START: "1" } }),
      missing: fixture({ env: { API_TOKEN: "${NOT_SET_ANYWHERE}" } }),
      nocmd: { command: "definitely-not-a-command-xyz" },
      fx: fixture(),
    });
    expect(lease.tools.map((t) => t.name)).toContain("fx__echo");
    expect(lease.tools.every((t) => t.name.startsWith("fx__"))).toBe(true);
    // A server that fails at once may already be in its 50 ms retry ("starting") by the time
    // the slower fx is ready: its failure stays in `error` either way.
    const down = expect.stringMatching(/^(failed|starting)$/);
    expect(h.statusOf("broken")).toMatchObject({
      error: expect.stringMatching(/fixture: FIXTURE_CONFIG is missing/),
    });
    expect(h.statusOf("missing")).toMatchObject({
      state: "failed",
      error:
        "${NOT_SET_ANYWHERE} is not set in the instance env (add it on the dashboard's Env vars page)",
    });
    expect(h.statusOf("nocmd")).toMatchObject({
      error: expect.stringMatching(/could not start: .*ENOENT/),
    });
    expect(lease.servers.map((s) => [s.name, s.state])).toEqual([
      ["broken", down],
      ["missing", "failed"],
      ["nocmd", down],
      ["fx", "ready"],
    ]);
    lease.release();
  });

  it("an error or stderr line never carries a resolved secret", async () => {
    // The server prints the token it was given to stderr before failing.
    const lease = await h.hub.open({
      leaky: {
        command: "node",
        args: ["-e", "process.stderr.write('bad token ' + process.env.API_TOKEN); process.exit(2)"],
        env: { API_TOKEN: "${SECRET_TOKEN}" },
      },
    });
    const status = h.statusOf("leaky");
    expect(status.error).toContain("bad token ${SECRET_TOKEN}");
    expect(JSON.stringify(h.hub.status())).not.toContain(SECRET);
    expect(h.logs.join("\n")).not.toContain(SECRET);
    lease.release();
  });
});

describe("reloads", () => {
  it("adds, restarts and removes servers as the config changes", async () => {
    const first = await h.hub.open({ fx: fixture() });
    const pid = JSON.parse(textOf(await call(first.tools, "fx__whereami"))).pid;
    first.release();

    // Unchanged: the same process.
    const same = await h.hub.open({ fx: fixture() });
    expect(JSON.parse(textOf(await call(same.tools, "fx__whereami"))).pid).toBe(pid);
    same.release();

    // Changed args and a new server: the changed one restarts (it was running), the new one starts.
    const next = await h.hub.open({
      fx: fixture({ env: { API_TOKEN: "${SECRET_TOKEN}", MARKER: "v2" } }),
      fx2: fixture(),
    });
    const where = JSON.parse(textOf(await call(next.tools, "fx__whereami")));
    expect(where).toMatchObject({ marker: "v2" });
    expect(where.pid).not.toBe(pid);
    await eventually(() => !processAlive(pid));
    expect(next.tools.some((t) => t.name === "fx2__echo")).toBe(true);
    next.release();

    h.hub.sync({ fx2: fixture() });
    expect(h.hub.status().map((s) => s.name)).toEqual(["fx2"]);
    await eventually(() => !processAlive(where.pid));
  });

  it("restarts a running server when a value it references changes", async () => {
    const lease = await h.hub.open({ fx: fixture() });
    const { pid } = JSON.parse(textOf(await call(lease.tools, "fx__whereami")));
    h.env = { ...h.env, SECRET_TOKEN: "rotated-token-value" };
    h.hub.sync({ fx: fixture() });
    await eventually(() => h.statusOf("fx").state === "ready");
    await eventually(() => !processAlive(pid));
    lease.release();
    const next = await h.hub.open({ fx: fixture() });
    const digest = createHash("sha256").update("rotated-token-value").digest("hex");
    expect(textOf(await call(next.tools, "fx__token_digest"))).toBe(`digest ${digest}`);
    next.release();
  });
});
