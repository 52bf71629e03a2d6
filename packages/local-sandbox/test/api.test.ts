import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorBodySchema } from "@iterate/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/sandbox.ts";
import { type RunningLocalSandbox, startLocalSandbox } from "../src/server.ts";
import { serviceClient } from "./support/client.ts";
import { machineEnv } from "./support/machine-env.ts";

// Requests the service refuses before starting anything; no daemon runs in this file.
const secret = "test-secret-api";
let root: string;
let service: RunningLocalSandbox;
let api: ReturnType<typeof serviceClient>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "local-sandbox-api-"));
  // A bundle that cannot exist: any request that got as far as spawning would fail loudly.
  service = await startLocalSandbox({
    port: 0,
    secret,
    root,
    daemonBundle: join(root, "no-bundle.mjs"),
    log: () => {},
  });
  api = serviceClient(service.url, secret);
});

afterAll(async () => {
  await service?.close();
  await rm(root, { recursive: true, force: true });
});

function errorCode(body: unknown): string {
  return errorBodySchema.parse(body).error.code;
}

describe("authentication", () => {
  it("answers GET /healthz 200 without a secret", async () => {
    const res = await fetch(`${service.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it.each([
    ["no Authorization header", null],
    ["a wrong secret", "not-the-secret"],
    ["a prefix of the secret", secret.slice(0, -1)],
  ])("answers 401 unauthorized to %s on every sandbox route", async (_, presented) => {
    const anonymous = serviceClient(service.url, presented);
    const answers = await Promise.all([
      anonymous.create({ env: machineEnv() }),
      anonymous.list(),
      anonymous.get("sbx_00000000000000000000"),
      anonymous.stop("sbx_00000000000000000000"),
      anonymous.delete("sbx_00000000000000000000"),
      anonymous.call("GET", "/no-such-route"),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(errorCode(answer.body)).toBe("unauthorized");
    }
  });

  it("answers 401 to a Basic scheme carrying the right secret", async () => {
    const res = await fetch(`${service.url}/sandboxes`, {
      headers: { authorization: `Basic ${secret}` },
    });
    expect(res.status).toBe(401);
  });
});

describe("POST /sandboxes with a malformed body", () => {
  it.each([
    ["not JSON", "{env:", "invalid_json"],
    ["an empty body", "", "invalid_json"],
    ["no env", {}, "validation_failed"],
    ["env as an array", { env: ["A=1"] }, "validation_failed"],
    ["a number as env value", { env: { A: 1 } }, "validation_failed"],
    ["an invalid env name", { env: { "1A": "x" } }, "validation_failed"],
    ["a NUL in an env value", { env: { A: "x\0y" } }, "validation_failed"],
    ["labels as a string", { env: {}, labels: "a=b" }, "validation_failed"],
    ["a label key holding =", { env: {}, labels: { "a=b": "c" } }, "validation_failed"],
  ])("answers 400 to %s", async (_, body, code) => {
    const answer = await api.create(body);
    expect(answer.status).toBe(400);
    expect(errorCode(answer.body)).toBe(code);
  });

  it("names the field, never the value, of an invalid env var", async () => {
    const answer = await api.create({ env: { SECRET_THING: "hunter2\0" } });
    const message = errorBodySchema.parse(answer.body).error.message;
    expect(message).toContain("env.SECRET_THING");
    expect(message).not.toContain("hunter2");
  });

  it("answers 413 payload_too_large to a body over the cap, announced or streamed", async () => {
    const big = JSON.stringify({ env: { BIG: "x".repeat(MAX_BODY_BYTES) } });
    const announced = await api.create(big);
    expect(announced.status).toBe(413);
    expect(errorCode(announced.body)).toBe("payload_too_large");

    const chunks = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await fetch(`${service.url}/sandboxes`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it("creates no machine directory for a refused body", async () => {
    await api.create({ env: { "1A": "x" } });
    expect(await readdir(join(root, "machines"))).toEqual([]);
  });
});

describe("unknown sandboxes and filters", () => {
  const unknown = "sbx_zzzzzzzzzzzzzzzzzzzz";

  it("answers 404 not_found to GET, stop and DELETE of an unknown id", async () => {
    for (const answer of [
      await api.get(unknown),
      await api.stop(unknown),
      await api.delete(unknown),
    ]) {
      expect(answer.status).toBe(404);
      expect(errorCode(answer.body)).toBe("not_found");
    }
  });

  it("answers 400 validation_failed to a label filter without =", async () => {
    const answer = await api.list("?label=instance");
    expect(answer.status).toBe(400);
    expect(errorCode(answer.body)).toBe("validation_failed");
  });

  it("lists nothing before anything was created", async () => {
    expect(await api.list()).toEqual({ status: 200, body: { sandboxes: [] } });
  });
});
