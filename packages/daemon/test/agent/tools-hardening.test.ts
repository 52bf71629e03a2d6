import { execFileSync } from "node:child_process";
import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { toolHarness } from "./support/tool-harness.ts";

/** The agent's tools against what a hostile repo or command output holds. */
const tools = toolHarness();
const call = tools.call;

describe("file tools touch regular files only", () => {
  it("search never reads through a link out, nor a FIFO or a device; no tool blocks on a FIFO", async () => {
    await writeFile(
      join(tools.ctx.workspaceDir, "..", "credentials.json"),
      '{"daemonSecret":"s3cr3t"}',
    );
    await writeFile(join(tools.ctx.workspaceDir, "notes.txt"), "daemonSecret is a word\n");
    await symlink("../credentials.json", join(tools.ctx.workspaceDir, "leak.json"));
    await symlink("/dev/zero", join(tools.ctx.workspaceDir, "zero"));
    execFileSync("mkfifo", [join(tools.ctx.workspaceDir, "pipe")]);
    expect((await call("search", { pattern: "daemonSecret" })).text).toBe(
      "notes.txt:1: daemonSecret is a word",
    );
    expect((await call("search", { pattern: "x", path: "pipe" })).text).toBe(
      "(no matches for /x/)",
    );
    expect(await call("read_file", { path: "pipe" })).toEqual({
      ok: false,
      text: "pipe is not a regular file",
    });
    expect(await call("edit_file", { path: "pipe", old_text: "a", new_text: "b" })).toEqual({
      ok: false,
      text: "pipe is not a regular file",
    });
    expect(await call("write_file", { path: "pipe", content: "x" })).toEqual({
      ok: false,
      text: "pipe is not a regular file",
    });
  });
});

describe("run_command's output is scrubbed of the instance's named secrets", () => {
  const TOKEN = "ghp_s3cretvalue1234567890abcdef";
  beforeEach(() => {
    tools.ctx.env = {
      ...tools.ctx.env,
      GITHUB_TOKEN: TOKEN,
      MONGODB_URI: "mongodb+srv://app:Pw0rd-xyz@cluster.example.net/db",
      ITERATE_MACHINE_ID: "mch_1",
      BUILD_ID: "3f2a9c1e-6b7d-4e8f-9a0b-1c2d3e4f5a6b",
      DEBUG: "true",
    };
  });

  it("shows a marker for them (plainly not the value), leaves other values, and commands still get them", async () => {
    const env = await call("run_command", { command: "env | sort" });
    expect(env.text).toContain("GITHUB_TOKEN=[secret $GITHUB_TOKEN]");
    expect(env.text).toContain("MONGODB_URI=[secret $MONGODB_URI]");
    expect(env.text).not.toContain("Pw0rd-xyz");
    // Ids, UUIDs and plain words are output as they are.
    expect(env.text).toContain("ITERATE_MACHINE_ID=mch_1");
    expect(env.text).toContain("BUILD_ID=3f2a9c1e-6b7d-4e8f-9a0b-1c2d3e4f5a6b");
    expect(env.text).toContain("DEBUG=true");
    const used = await call("run_command", {
      command: `test "$GITHUB_TOKEN" = ${TOKEN} && echo token-set; printf %s "$GITHUB_TOKEN" | base64`,
    });
    expect(used.text).toMatch(/^token-set\n\[secret \$GITHUB_TOKEN\]\n/);
    const failed = await call("run_command", { command: 'echo "$GITHUB_TOKEN" >&2; exit 1' });
    expect(failed).toMatchObject({
      ok: false,
      text: expect.stringMatching(/^\[secret \$GITHUB_TOKEN\]\n/),
    });
  });

  it("shows no part of one the output cap cut through", async () => {
    // The token straddles the end of the kept head (8 KiB), then 100 KB more are printed.
    for (const at of [8180, 8192, 8200]) {
      const result = await call("run_command", {
        command: `head -c ${at} /dev/zero | tr '\\0' x; printf %s "$GITHUB_TOKEN"; head -c 100000 /dev/zero | tr '\\0' y`,
      });
      expect(result.text).toContain("bytes omitted");
      for (let i = 0; i + 6 <= TOKEN.length; i++) {
        expect(result.text, `+${at}: ${TOKEN.slice(i, i + 6)}`).not.toContain(
          TOKEN.slice(i, i + 6),
        );
      }
    }
  });

  it("leaves the file tools' reads alone: files are shown as they are", async () => {
    await writeFile(join(tools.ctx.workspaceDir, ".env.example"), `GITHUB_TOKEN=${TOKEN}\n`);
    expect((await call("read_file", { path: ".env.example" })).text).toContain(TOKEN);
  });
});
