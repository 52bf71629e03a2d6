import { describe, expect, it } from "vitest";
import {
  bootstrapRequestSchema,
  bootstrapResponseSchema,
  configResponseSchema,
  envUpdateSchema,
  generateDaemonSecret,
  iterateConfigSchema,
  pingRequestSchema,
  platformPingResponseSchema,
} from "../src/index.ts";

describe("ping request (daemon → platform)", () => {
  it("accepts machineId, a 32-byte base64url secret and a version", () => {
    const ping = {
      machineId: "mch_0123456789abcdefghij",
      secret: generateDaemonSecret(),
      version: "0.1.0",
    };
    expect(pingRequestSchema.parse(ping)).toEqual(ping);
  });

  it("refuses a short, padded or non-base64url secret and missing fields", () => {
    const ok = { machineId: "mch_1", secret: generateDaemonSecret(), version: "1" };
    for (const secret of ["abc", `${ok.secret}=`, ok.secret.replace(/^./, "+"), `${ok.secret}A`]) {
      expect(pingRequestSchema.safeParse({ ...ok, secret }).success, secret).toBe(false);
    }
    expect(pingRequestSchema.safeParse({ ...ok, machineId: "" }).success).toBe(false);
    expect(pingRequestSchema.safeParse({ secret: ok.secret, version: "1" }).success).toBe(false);
  });
});

describe("bootstrap messages", () => {
  it("accepts an empty body or a repo with optional ref", () => {
    expect(bootstrapRequestSchema.parse({})).toEqual({});
    expect(
      bootstrapRequestSchema.parse({ repo: { url: "https://github.com/a/b.git", ref: "main" } }),
    ).toEqual({
      repo: { url: "https://github.com/a/b.git", ref: "main" },
    });
    expect(bootstrapRequestSchema.parse({ repo: { url: "/tmp/repo" } }).repo?.ref).toBeUndefined();
  });

  it("refuses URLs and refs git would read as options", () => {
    expect(bootstrapRequestSchema.safeParse({ repo: { url: "--upload-pack=evil" } }).success).toBe(
      false,
    );
    expect(
      bootstrapRequestSchema.safeParse({ repo: { url: "https://x", ref: "-b" } }).success,
    ).toBe(false);
    expect(bootstrapRequestSchema.safeParse({ repo: { url: "" } }).success).toBe(false);
  });

  it("answers ok with the commit, or null for an empty workspace", () => {
    expect(bootstrapResponseSchema.parse({ ok: true, commit: "a".repeat(40) }).commit).toHaveLength(
      40,
    );
    expect(bootstrapResponseSchema.parse({ ok: true, commit: null }).commit).toBeNull();
    expect(bootstrapResponseSchema.safeParse({ ok: true }).success).toBe(false);
  });
});

describe("env update", () => {
  it("accepts a map of valid names to values and refuses invalid names", () => {
    expect(envUpdateSchema.parse({ env: { A: "1", OPENAI_BASE_URL: "x" } }).env.A).toBe("1");
    expect(envUpdateSchema.safeParse({ env: { "1A": "x" } }).success).toBe(false);
    expect(envUpdateSchema.safeParse({ env: { A: 1 } }).success).toBe(false);
    expect(envUpdateSchema.safeParse({}).success).toBe(false);
  });
});

describe("platform ping response", () => {
  it("has ok, machineId, version and a non-negative uptime", () => {
    const body = { ok: true, machineId: "mch_1", version: "0.1.0", uptimeMs: 12 };
    expect(platformPingResponseSchema.parse(body)).toEqual(body);
    expect(platformPingResponseSchema.safeParse({ ...body, uptimeMs: -1 }).success).toBe(false);
  });
});

describe("iterate.config.json", () => {
  it("accepts an empty object and every documented field", () => {
    expect(iterateConfigSchema.parse({})).toEqual({});
    const full = {
      $schema: "https://iterate.com/config.schema.json",
      name: "acme",
      agents: { model: "gpt-5-mini", systemPrompt: "Be brief.", maxTurns: 20 },
      rules: ["AGENTS.md", "docs/rules/style.md"],
    };
    expect(iterateConfigSchema.parse(full)).toEqual(full);
  });

  it("refuses unknown keys (typos surface) and rule paths outside the workspace", () => {
    expect(iterateConfigSchema.safeParse({ agent: {} }).success).toBe(false);
    expect(iterateConfigSchema.safeParse({ agents: { modle: "x" } }).success).toBe(false);
    for (const path of ["/etc/passwd", "../secrets.md", "docs/../../x", "a\\b"]) {
      expect(iterateConfigSchema.safeParse({ rules: [path] }).success, path).toBe(false);
    }
    expect(iterateConfigSchema.safeParse({ agents: { maxTurns: 0 } }).success).toBe(false);
  });

  it("is returned with the context rules by GET /platform/config", () => {
    const body = {
      config: { name: "acme" },
      rules: [{ path: "AGENTS.md", content: "# Rules" }],
      mcpServers: [],
    };
    expect(configResponseSchema.parse(body)).toEqual(body);
    expect(configResponseSchema.safeParse({ config: {}, rules: [{ path: "x" }] }).success).toBe(
      false,
    );
  });
});
