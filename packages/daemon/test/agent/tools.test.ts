import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { capOutput, createOutputCollector } from "../../src/agent/tools/output-cap.ts";
import { createWorkspaceTools } from "../../src/agent/tools/workspace-tools.ts";
import { processAlive } from "../support/process-alive.ts";
import { eventually } from "./support/eventually.ts";
import { toolHarness } from "./support/tool-harness.ts";

const tools = toolHarness();
const call = tools.call;

describe("file tools stay in the workspace", () => {
  it("refuses .. and absolute paths outside, and symlinks out (read, write, list)", async () => {
    await symlink("/etc", join(tools.ctx.workspaceDir, "out"));
    await writeFile(join(tools.ctx.workspaceDir, "..", "secret.txt"), "s3cret");
    expect(await call("read_file", { path: "../secret.txt" })).toMatchObject({
      ok: false,
      text: expect.stringMatching(/outside the workspace/),
    });
    expect(await call("read_file", { path: "/etc/hostname" })).toMatchObject({
      ok: false,
      text: expect.stringMatching(/outside the workspace/),
    });
    expect(await call("read_file", { path: "out/hostname" })).toMatchObject({
      ok: false,
      text: expect.stringMatching(/symlink to \/etc\/hostname/),
    });
    expect(await call("write_file", { path: "out/new.txt", content: "x" })).toMatchObject({
      ok: false,
      text: expect.stringMatching(/outside the workspace/),
    });
    expect(await call("list_files", { path: "out" })).toMatchObject({ ok: false });
    expect(await call("search", { pattern: "root", path: "out" })).toMatchObject({ ok: false });
  });

  it("allows symlinks that stay inside, and absolute paths inside", async () => {
    await mkdir(join(tools.ctx.workspaceDir, "real"));
    await writeFile(join(tools.ctx.workspaceDir, "real/a.txt"), "inside");
    await symlink("real", join(tools.ctx.workspaceDir, "alias"));
    expect(await call("read_file", { path: "alias/a.txt" })).toEqual({ ok: true, text: "inside" });
    expect(await call("read_file", { path: join(tools.ctx.workspaceDir, "real/a.txt") })).toEqual({
      ok: true,
      text: "inside",
    });
  });

  it("refuses a dangling symlink (its target cannot be checked)", async () => {
    await symlink("/nonexistent/place", join(tools.ctx.workspaceDir, "dangling"));
    expect(await call("write_file", { path: "dangling", content: "x" })).toMatchObject({
      ok: false,
      text: expect.stringMatching(/symlink to a path that does not exist/),
    });
  });
});

describe("read, write and edit", () => {
  it("writes (creating directories) and reads back; binary files and directories are errors", async () => {
    expect(await call("write_file", { path: "src/deep/app.ts", content: "export {};\n" })).toEqual({
      ok: true,
      text: "created src/deep/app.ts (11 bytes)",
    });
    expect(await call("write_file", { path: "src/deep/app.ts", content: "x" })).toEqual({
      ok: true,
      text: "overwrote src/deep/app.ts (1 bytes)",
    });
    expect(await call("read_file", { path: "src/deep/app.ts" })).toEqual({ ok: true, text: "x" });
    await writeFile(join(tools.ctx.workspaceDir, "bin"), Buffer.from([0, 1, 2]));
    expect(await call("read_file", { path: "bin" })).toEqual({
      ok: false,
      text: "bin is a binary file (3 bytes)",
    });
    expect(await call("read_file", { path: "src" })).toEqual({
      ok: false,
      text: "src is a directory; use list_files",
    });
    expect(await call("read_file", { path: "missing" })).toEqual({
      ok: false,
      text: "missing does not exist",
    });
  });

  it("pages long files by lines and caps the output visibly", async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i + 1}`).join("\n");
    await writeFile(join(tools.ctx.workspaceDir, "long.txt"), lines);
    const page = await call("read_file", { path: "long.txt", offset: 10, limit: 3 });
    expect(page.text).toBe("line 10\nline 11\nline 12\n[long.txt: lines 10–12 of 3000]");
    const all = await call("read_file", { path: "long.txt" });
    expect(all.text).toContain("[… ");
    expect(all.text).toContain("output capped at 16384 bytes");
    expect(all.text).toMatch(/\[long\.txt: lines 1–2000 of 3000; output capped/);
    expect(Buffer.byteLength(all.text)).toBeLessThan(17_000);
  });

  it("edits an exact, unique text; absent or ambiguous text is an error naming the problem", async () => {
    const edit = (args: Record<string, unknown>) => call("edit_file", { path: "a.ts", ...args });
    const contents = () => readFile(join(tools.ctx.workspaceDir, "a.ts"), "utf8");
    await writeFile(join(tools.ctx.workspaceDir, "a.ts"), "const a = 1;\nconst b = 1;\n");
    expect(await edit({ old_text: "const c", new_text: "x" })).toMatchObject({
      ok: false,
      text: expect.stringMatching(/^old_text was not found in a\.ts/),
    });
    expect(await edit({ old_text: " = 1;", new_text: " = 2;" })).toMatchObject({
      ok: false,
      text: expect.stringMatching(/^old_text occurs 2 times in a\.ts/),
    });
    expect(await contents()).toBe("const a = 1;\nconst b = 1;\n");
    expect(await edit({ old_text: "const b = 1;", new_text: "const b = $&2;" })).toEqual({
      ok: true,
      text: "replaced 1 occurrence in a.ts",
    });
    expect(await contents()).toBe("const a = 1;\nconst b = $&2;\n");
    expect(await edit({ old_text: "const", new_text: "let", replace_all: true })).toEqual({
      ok: true,
      text: "replaced 2 occurrences in a.ts",
    });
  });
});

describe("list and search", () => {
  beforeEach(async () => {
    await mkdir(join(tools.ctx.workspaceDir, "src/lib"), { recursive: true });
    await mkdir(join(tools.ctx.workspaceDir, "node_modules/x"), { recursive: true });
    await writeFile(
      join(tools.ctx.workspaceDir, "src/app.ts"),
      "// TODO: ship it\nexport const app = 1;\n",
    );
    await writeFile(
      join(tools.ctx.workspaceDir, "src/lib/util.ts"),
      "export const todo = 'later';\n",
    );
    await writeFile(join(tools.ctx.workspaceDir, "README.md"), "# readme\n");
    await writeFile(join(tools.ctx.workspaceDir, "node_modules/x/index.js"), "// TODO dep\n");
  });

  it("lists recursively, skipping node_modules, filtered by glob", async () => {
    expect((await call("list_files", {})).text.split("\n")).toEqual([
      "README.md",
      "src/",
      "src/app.ts",
      "src/lib/",
      "src/lib/util.ts",
    ]);
    expect((await call("list_files", { pattern: "src/**/*.ts" })).text.split("\n")).toEqual([
      "src/app.ts",
      "src/lib/util.ts",
    ]);
    expect((await call("list_files", { pattern: "*.md" })).text).toBe("README.md");
    expect((await call("list_files", { path: "src/lib" })).text).toBe("util.ts");
  });

  it("greps with a regex, path:line: text", async () => {
    expect((await call("search", { pattern: "TODO" })).text).toBe("src/app.ts:1: // TODO: ship it");
    expect(
      (await call("search", { pattern: "todo", ignore_case: true, glob: "*.ts" })).text.split("\n"),
    ).toEqual([
      "src/app.ts:1: // TODO: ship it",
      "src/lib/util.ts:1: export const todo = 'later';",
    ]);
    expect((await call("search", { pattern: "(" })).text).toMatch(
      /^pattern is not a valid regular expression/,
    );
    expect((await call("search", { pattern: "nothing-here" })).text).toBe(
      "(no matches for /nothing-here/)",
    );
  });
});

describe("run_command", () => {
  it("runs bash in the workspace with the machine env and reports the exit code", async () => {
    const ok = await call("run_command", {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a template
      command: 'pwd; test "$MARKER" = from-machine-env && echo marker-set; echo "${HOME:-no home}"',
    });
    expect(ok.ok).toBe(true);
    expect(ok.text).toMatch(
      new RegExp(
        `^${tools.ctx.workspaceDir.replace(/[/.]/g, "\\$&")}\\nmarker-set\\nno home\\n\\[exit code 0, \\d+\\.\\d s\\]$`,
      ),
    );
    const failed = await call("run_command", { command: "echo oops >&2; exit 3" });
    expect(failed).toMatchObject({
      ok: false,
      text: expect.stringMatching(/^oops\n\[exit code 3, /),
    });
  });

  it("caps a flood of output, keeping head and tail, and says how much was cut", async () => {
    const result = await call("run_command", {
      command: "echo FIRST; head -c 200000 /dev/zero | tr '\\0' x; echo; echo LAST",
    });
    expect(result.text.startsWith("FIRST\n")).toBe(true);
    expect(result.text).toMatch(/\n\[… \d+ bytes omitted: output capped at 16384 bytes …\]\n/);
    expect(result.text).toMatch(/LAST\n\[exit code 0, [\d.]+ s\]$/);
    expect(Buffer.byteLength(result.text)).toBeLessThan(17_000);
  });

  it("kills the whole process group on time-out", async () => {
    const started = performance.now();
    const result = await call("run_command", {
      command: "sleep 30 & echo $! > bg.pid; echo waiting; sleep 30",
      timeout_seconds: 1,
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(result).toMatchObject({
      ok: false,
      text: expect.stringMatching(/^command timed out after 1 s and was killed/),
    });
    expect(result.text).toContain("output before the time-out:\nwaiting");
    // The command's background child went with it.
    const pid = Number(await readFile(join(tools.ctx.workspaceDir, "bg.pid"), "utf8"));
    await eventually(() => !processAlive(pid));
  });

  it("stops when the run is aborted", async () => {
    const tool = createWorkspaceTools(tools.ctx).find((t) => t.name === "run_command");
    const abort = new AbortController();
    const started = performance.now();
    const running = tool?.execute("t1", { command: "sleep 30" } as never, abort.signal);
    abort.abort();
    await expect(running).rejects.toThrow(/^command stopped/);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe("output caps", () => {
  it("keeps short text as is and cuts long text in the middle on character boundaries", () => {
    expect(capOutput("short", 100)).toBe("short");
    const capped = capOutput("é".repeat(200), 100);
    expect(capped).not.toContain("\uFFFD");
    expect(capped).toMatch(/^é+\n\[… \d+ bytes omitted: output capped at 100 bytes …\]\né+$/);
    const collector = createOutputCollector(10);
    for (const part of ["abc", "defgh", "ijklmnop", "qrst"]) collector.push(Buffer.from(part));
    expect(collector.text()).toBe(
      "abcde\n[… 10 bytes omitted: output capped at 10 bytes …]\npqrst",
    );
  });
});
