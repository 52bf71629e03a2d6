/**
 * MCP tools end to end: a repository whose iterate.config.json declares MCP servers (the
 * daemon's real stdio fixture, one of them referencing an env var the instance lacks), bootstrapped
 * by a real machine, and the dashboard's Tools page reading them through fetchForInstance.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningPlatform, startPlatform } from "../browser/start-platform.ts";
import { signUp } from "./support.ts";

const run = promisify(execFile);
const FIXTURE = fileURLToPath(
  new URL("../../../packages/daemon/test/mcp/support/stdio-server.mjs", import.meta.url),
);
const FX_TOKEN = "fx-e2e-secret-5b7d1e";

let platform: RunningPlatform;
let repoDir: string;
beforeAll(async () => {
  repoDir = await mkdtemp(path.join(tmpdir(), "iterate-mcp-repo-"));
  await writeFile(
    path.join(repoDir, "iterate.config.json"),
    JSON.stringify({
      mcpServers: {
        fx: { command: "node", args: [FIXTURE], env: { API_TOKEN: "${FX_TOKEN}" } },
        nokey: { url: "https://mcp.example.com/mcp", headers: { Authorization: "${MISSING}" } },
      },
    }),
  );
  const git = (...args: string[]) =>
    run("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: repoDir });
  await git("init", "-q", "-b", "main");
  await git("add", ".");
  await git("commit", "-q", "-m", "mcp servers");
  platform = await startPlatform();
});
afterAll(async () => {
  await platform?.stop();
  await rm(repoDir, { recursive: true, force: true });
});

describe("the Tools page", () => {
  it("shows the repository's MCP servers as the machine runs them, with their tools", async () => {
    const user = await signUp(platform, "e2e-tools");
    const first = await user.ready();
    expect((await user.api("PUT", "/env-vars/FX_TOKEN", { value: FX_TOKEN })).status).toBe(200);
    const patched = await user.api("PATCH", "", { repoUrl: `file://${repoDir}` });
    expect(patched.status, await patched.clone().text()).toBe(200);
    expect((await user.api("POST", "/machines/rebuild")).status).toBe(202);
    await user.ready(first.id);

    const toolsPage = `/instances/${user.instanceId}/tools`;
    const looked = await user.page(toolsPage);
    expect(looked.status).toBe(200);
    const before = await looked.text();
    expect(before).toMatch(/<a[^>]+href="[^"]+\/tools" aria-current="page"/);
    // Looking starts nothing: the servers wait for a session or the button.
    expect(before).toContain('data-mcp-server="fx" data-state="stopped"');
    expect(before).toContain("data-tools-start");
    expect(before).not.toContain('data-tool="fx__echo"');
    // A forged post (no session-bound CSRF token) is refused and starts nothing either.
    const forged = await user.form(`${toolsPage}/start`, {}, "x".repeat(43));
    expect(forged.status).toBe(403);
    expect(await (await user.page(toolsPage)).text()).toContain(
      'data-mcp-server="fx" data-state="stopped"',
    );

    const started = await user.form(`${toolsPage}/start`);
    expect(started.status).toBe(303);
    expect(started.headers.get("location")).toBe(toolsPage);
    // The flash for the next page says how it went.
    // (The cookie value is URL-encoded JSON, encoded once more by setCookie.)
    const flash = started.headers
      .getSetCookie()
      .map((c) => decodeURIComponent(decodeURIComponent(c)))
      .join();
    expect(flash).toContain("1 of 2 MCP servers failed to start");
    const res = await user.page(toolsPage);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-mcp-server="fx" data-state="ready"');
    expect(html).toContain('data-tool="fx__echo"');
    expect(html).toContain("Echoes the text back.");
    expect(html).toContain('data-mcp-server="nokey" data-state="failed"');
    expect(html).toContain("${MISSING} is not set in the instance env");
    expect(html).not.toContain(FX_TOKEN);
  });

  it("is 404 for another instance, and says when nothing is configured", async () => {
    const owner = await signUp(platform, "e2e-tools-owner");
    const other = await signUp(platform, "e2e-tools-other");
    await other.ready();
    expect((await other.page(`/instances/${owner.instanceId}/tools`)).status).toBe(404);
    const own = await other.page(`/instances/${other.instanceId}/tools`);
    expect(own.status).toBe(200);
    const html = await own.text();
    expect(html).toContain('data-tools-state="none"');
    expect(html).toContain("No MCP servers configured");
  });
});
