import { createHash, createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import {
  errorBodySchema,
  generateDaemonSecret,
  platformPingResponseSchema,
  signRequest,
} from "@iterate/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAEMON_VERSION } from "../../src/version.ts";
import { type DaemonProcess, machineEnv, startDaemon } from "./support/daemon-process.ts";
import { type FakePlatform, startFakePlatform } from "./support/fake-platform.ts";
import { type MachineKey, signedFetch } from "./support/signed-fetch.ts";

let platform: FakePlatform;
let daemon: DaemonProcess;
/** What the platform learned from the daemon's ping: exactly what it signs with. */
let key: MachineKey;

beforeAll(async () => {
  platform = await startFakePlatform();
  daemon = await startDaemon({ env: machineEnv(platform.url) });
  const [ping] = await platform.waitForPings(1);
  key = { machineId: ping?.body.machineId ?? "", secret: ping?.body.secret ?? "" };
});
afterAll(async () => {
  await daemon.stop();
  await platform.close();
});

async function send(
  path: string,
  init: { method?: string; token?: string | null; body?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return fetch(`${daemon.url}${path}`, { method: init.method ?? "GET", headers, body: init.body });
}

async function expectRefused(res: Response, code: string): Promise<void> {
  expect(res.status).toBe(401);
  const body = errorBodySchema.parse(await res.json());
  expect(body.error.code).toBe(code);
}

/** An HS256 JWT with arbitrary header and claims, for shapes signRequest would never make. */
function craft(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: "HS256", typ: "JWT" },
) {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${b64(header)}.${b64(claims)}`;
  const mac = createHmac("sha256", Buffer.from(key.secret, "base64url"))
    .update(input)
    .digest("base64url");
  return `${input}.${mac}`;
}

function claims(overrides: Record<string, unknown> = {}) {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: "iterate-platform",
    aud: key.machineId,
    iat,
    exp: iat + 60,
    jti: crypto.randomUUID(),
    htm: "GET",
    htu: "/platform/ping",
    ...overrides,
  };
}

describe("platform auth: accepted requests", () => {
  it("answers a signed GET /platform/ping with 200 and the machine's identity", async () => {
    const res = await signedFetch(daemon.url, key, "GET", "/platform/ping");
    expect(res.status).toBe(200);
    const body = platformPingResponseSchema.parse(await res.json());
    expect(body).toMatchObject({ ok: true, machineId: key.machineId, version: DAEMON_VERSION });
  });

  it("lets GET /healthz through unsigned", async () => {
    expect((await send("/healthz")).status).toBe(200);
  });

  it("answers a signed request for an unknown path with 404", async () => {
    const res = await signedFetch(daemon.url, key, "GET", "/nope");
    expect(res.status).toBe(404);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe("not_found");
  });

  it("accepts a body hash of the exact bytes received", async () => {
    const body = '{"env":{ "SPACED" : "1" }}';
    const token = await signRequest({ ...key, method: "PUT", url: "/platform/env", body });
    const res = await send("/platform/env", { method: "PUT", token, body });
    expect(res.status).toBe(200);
  });
});

describe("platform auth in front of /agents", () => {
  async function signedRaw(method: string, path: string, body?: string): Promise<Response> {
    const token = await signRequest({ ...key, method, url: path, body });
    const headers = { authorization: `Bearer ${token}`, "content-type": "text/plain" };
    return fetch(`${daemon.url}${path}`, { method, headers, body });
  }

  it("passes signed stream requests through with their bodies intact", async () => {
    expect((await signedRaw("PUT", "/agents/auth-check")).status).toBe(201);
    expect((await signedRaw("POST", "/agents/auth-check", "hello, stream")).status).toBeLessThan(
      300,
    );
    const read = await signedRaw("GET", "/agents/auth-check?offset=-1");
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("hello, stream");
  });

  it("refuses an append whose body was swapped in transit", async () => {
    const token = await signRequest({
      ...key,
      method: "POST",
      url: "/agents/auth-check",
      body: "a",
    });
    const res = await fetch(`${daemon.url}/agents/auth-check`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
      body: "b",
    });
    await expectRefused(res, "body_mismatch");
  });
});

describe("platform auth: refused requests answer 401 with the contract's code", () => {
  it.each(["/platform/ping", "/platform/config", "/agents/some/stream", "/ui", "/unknown"])(
    "refuses unsigned GET %s (missing)",
    async (path) => {
      await expectRefused(await send(path), "missing");
    },
  );

  it("refuses a token that is not a JWT (malformed)", async () => {
    await expectRefused(await send("/platform/ping", { token: "not-a-jwt" }), "malformed");
  });

  it("refuses a token signed with another secret (bad_signature)", async () => {
    const token = await signRequest({
      ...key,
      secret: generateDaemonSecret(),
      method: "GET",
      url: "/platform/ping",
    });
    await expectRefused(await send("/platform/ping", { token }), "bad_signature");
  });

  it("refuses an unsigned alg=none token (bad_signature)", async () => {
    const [header, payload] = craft(claims(), { alg: "none", typ: "JWT" }).split(".");
    await expectRefused(
      await send("/platform/ping", { token: `${header}.${payload}.` }),
      "bad_signature",
    );
  });

  it("refuses an expired token", async () => {
    const token = await signRequest({
      ...key,
      method: "GET",
      url: "/platform/ping",
      now: () => Date.now() - 120_000,
    });
    await expectRefused(await send("/platform/ping", { token }), "expired");
  });

  it("refuses a token issued in the future (not_yet_valid)", async () => {
    const token = await signRequest({
      ...key,
      method: "GET",
      url: "/platform/ping",
      now: () => Date.now() + 120_000,
    });
    await expectRefused(await send("/platform/ping", { token }), "not_yet_valid");
  });

  it("refuses a token living longer than 60 s, or from another issuer (malformed)", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(
      await send("/platform/ping", { token: craft(claims({ exp: now + 3600 })) }),
      "malformed",
    );
    await expectRefused(
      await send("/platform/ping", { token: craft(claims({ iss: "someone-else" })) }),
      "malformed",
    );
    await expectRefused(
      await send("/platform/ping", { token: craft(claims({ jti: undefined })) }),
      "malformed",
    );
  });

  it("refuses a replayed token, even though the first use succeeded", async () => {
    const token = await signRequest({ ...key, method: "GET", url: "/platform/ping" });
    expect((await send("/platform/ping", { token })).status).toBe(200);
    await expectRefused(await send("/platform/ping", { token }), "replayed");
  });

  it("refuses a token for another machine (wrong_audience)", async () => {
    const token = await signRequest({
      ...key,
      machineId: "mch_someone_else",
      method: "GET",
      url: "/platform/ping",
    });
    await expectRefused(await send("/platform/ping", { token }), "wrong_audience");
  });

  it("refuses a tampered body (body_mismatch)", async () => {
    const signed = JSON.stringify({ env: { A: "1" } });
    const token = await signRequest({ ...key, method: "PUT", url: "/platform/env", body: signed });
    const tampered = JSON.stringify({ env: { A: "2" } });
    await expectRefused(
      await send("/platform/env", { method: "PUT", token, body: tampered }),
      "body_mismatch",
    );
  });

  it("refuses a body added to a request signed without one (body_mismatch)", async () => {
    const token = await signRequest({ ...key, method: "POST", url: "/platform/bootstrap" });
    const body = JSON.stringify({ repo: { url: "file:///elsewhere" } });
    await expectRefused(
      await send("/platform/bootstrap", { method: "POST", token, body }),
      "body_mismatch",
    );
  });

  it("refuses a token signed for another path or query (path_mismatch)", async () => {
    const token = await signRequest({ ...key, method: "GET", url: "/platform/ping" });
    await expectRefused(await send("/platform/config", { token }), "path_mismatch");
    const withQuery = await signRequest({ ...key, method: "GET", url: "/agents/s1?offset=-1" });
    await expectRefused(await send("/agents/s1?offset=0", { token: withQuery }), "path_mismatch");
  });

  it("refuses a token signed for another method (method_mismatch)", async () => {
    const token = await signRequest({ ...key, method: "GET", url: "/platform/env" });
    const body = JSON.stringify({ env: {} });
    await expectRefused(
      await send("/platform/env", { method: "PUT", token, body }),
      "method_mismatch",
    );
  });

  it("does not burn a token's jti when the request was refused", async () => {
    const body = JSON.stringify({ env: { B: "1" } });
    const token = await signRequest({ ...key, method: "PUT", url: "/platform/env", body });
    await expectRefused(
      await send("/platform/env", { method: "PUT", token, body: `${body} ` }),
      "body_mismatch",
    );
    expect((await send("/platform/env", { method: "PUT", token, body })).status).toBe(200);
  });

  it("never trusts a bh claim over the bytes: a matching hash of other bytes is refused", async () => {
    const sent = JSON.stringify({ env: { C: "1" } });
    const token = craft(
      claims({
        htm: "PUT",
        htu: "/platform/env",
        bh: createHash("sha256").update("something else").digest("base64url"),
      }),
    );
    await expectRefused(
      await send("/platform/env", { method: "PUT", token, body: sent }),
      "body_mismatch",
    );
  });
});

describe("platform auth: request size", () => {
  it("answers 413 payload_too_large for a body over the append limit, before buffering it", async () => {
    const body = "x".repeat(16 * 1024 * 1024 + 1);
    const token = await signRequest({ ...key, method: "POST", url: "/agents/big", body });
    const res = await fetch(`${daemon.url}/agents/big`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
      body,
    });
    expect(res.status).toBe(413);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe("payload_too_large");
  });

  it("counts a chunked body without Content-Length against the same limit (413)", async () => {
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ > 17) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const token = await signRequest({
      ...key,
      method: "POST",
      url: "/agents/big-chunked",
      body: new Uint8Array(19 * 1024 * 1024),
    });
    const res = await fetch(`${daemon.url}/agents/big-chunked`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe("payload_too_large");
  });
});

/**
 * Sends the request line, headers and the first `sent` body bytes of a `length`-byte upload,
 * then stalls; resolves with the answer if one comes within `withinMs` (the request's socket
 * is then destroyed), or null.
 */
async function stalledUpload(
  path: string,
  headers: Record<string, string>,
  options: { length: number; sent?: number; withinMs?: number },
): Promise<{ status: number; body: unknown } | null> {
  const url = new URL(path, daemon.url);
  const req = httpRequest(url, {
    method: "POST",
    headers: { ...headers, "content-length": String(options.length) },
  });
  req.on("error", () => {});
  req.write(Buffer.alloc(options.sent ?? 1024));
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), options.withinMs ?? 5000);
      req.once("response", (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString("utf8");
        });
        res.once("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        });
      });
    });
  } finally {
    req.destroy();
  }
}

describe("platform auth: the token is checked before the body is read", () => {
  const bigUpload = { length: 16 * 1024 * 1024 };

  it("answers an unsigned upload 401 while its body is still unsent", async () => {
    const answer = await stalledUpload("/agents/unsigned", {}, bigUpload);
    expect(answer).toEqual({
      status: 401,
      body: { error: { code: "missing", message: expect.any(String) } },
    });
  });

  it("answers an upload with a forged token 401 bad_signature while its body is still unsent", async () => {
    const body = new Uint8Array(bigUpload.length);
    const token = await signRequest({
      ...key,
      secret: generateDaemonSecret(),
      method: "POST",
      url: "/agents/forged",
      body,
    });
    const answer = await stalledUpload(
      "/agents/forged",
      { authorization: `Bearer ${token}` },
      bigUpload,
    );
    expect(answer?.status).toBe(401);
    expect(errorBodySchema.parse(answer?.body).error.code).toBe("bad_signature");
  });

  it("answers a body on a request signed without one 401 body_mismatch without reading it", async () => {
    const token = await signRequest({ ...key, method: "POST", url: "/agents/no-body" });
    const answer = await stalledUpload(
      "/agents/no-body",
      { authorization: `Bearer ${token}` },
      bigUpload,
    );
    expect(answer?.status).toBe(401);
    expect(errorBodySchema.parse(answer?.body).error.code).toBe("body_mismatch");
  });

  it("stops waiting for a signed body once its token could no longer verify (401 expired)", async () => {
    const body = new Uint8Array(bigUpload.length);
    // Issued 89 s ago with a 60 s lifetime: still valid (30 s skew) for about one more second.
    const token = await signRequest({
      ...key,
      method: "POST",
      url: "/agents/stalled",
      body,
      now: () => Date.now() - 89_000,
    });
    const answer = await stalledUpload(
      "/agents/stalled",
      { authorization: `Bearer ${token}` },
      { ...bigUpload, withinMs: 10_000 },
    );
    expect(answer?.status).toBe(401);
    expect(errorBodySchema.parse(answer?.body).error.code).toBe("expired");
  });

  it("still serves signed requests after a burst of unsigned uploads", async () => {
    await Promise.all(
      Array.from({ length: 8 }, () => stalledUpload("/agents/burst", {}, bigUpload)),
    );
    expect((await signedFetch(daemon.url, key, "GET", "/platform/ping")).status).toBe(200);
  });
});
