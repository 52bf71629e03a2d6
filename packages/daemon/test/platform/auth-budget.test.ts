import { errorBodySchema, generateDaemonSecret, signRequest } from "@iterate/contract";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { platformAuth } from "../../src/auth/platform-auth.ts";

const key = { secret: generateDaemonSecret(), machineId: "mch_budget" };

/** An app behind platformAuth with tiny caps: 8 bytes per body, 10 bytes held at once. */
function app() {
  const hono = new Hono();
  hono.use(platformAuth({ ...key, maxBodyBytes: 8, maxInFlightBodyBytes: 10 }));
  hono.post("/echo", async (c) => c.text(await c.req.text()));
  hono.post("/raw", async (c) => c.text(await c.req.raw.text()));
  return hono;
}

async function signed(path: string, body: Uint8Array) {
  const token = await signRequest({ ...key, method: "POST", url: path, body });
  return { authorization: `Bearer ${token}` };
}

/** A body that sends `first`, then waits for `release()` before sending `rest`. */
function stalledBody(first: Uint8Array, rest: Uint8Array) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let firstTaken!: () => void;
  const taken = new Promise<void>((resolve) => {
    firstTaken = resolve;
  });
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      pulls++;
      if (pulls === 1) return controller.enqueue(first);
      // The reader asked for more: the first chunk was read (and counted).
      firstTaken();
      await released;
      controller.enqueue(rest);
      controller.close();
    },
  });
  return { stream, taken, release };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("platform auth: bodies held at once are capped across requests", () => {
  it("answers 503 limit_exceeded while other bodies hold the budget, and serves again once they are done", async () => {
    const hono = app();
    const a = stalledBody(bytes("aaaaaa"), bytes("AA"));
    const pending = hono.request("/echo", {
      method: "POST",
      headers: await signed("/echo", bytes("aaaaaaAA")),
      body: a.stream,
      duplex: "half",
    } as RequestInit);
    await a.taken;

    const refused = await hono.request("/echo", {
      method: "POST",
      headers: await signed("/echo", bytes("bbbbbb")),
      body: bytes("bbbbbb"),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(errorBodySchema.parse(await refused.json()).error.code).toBe("limit_exceeded");

    a.release();
    const first = await pending;
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("aaaaaaAA");

    const later = await hono.request("/echo", {
      method: "POST",
      headers: await signed("/echo", bytes("cccccc")),
      body: bytes("cccccc"),
    });
    expect(later.status).toBe(200);
    expect(await later.text()).toBe("cccccc");
  });

  it("answers 413 payload_too_large for one body over the per-request cap", async () => {
    const body = bytes("123456789");
    const res = await app().request("/echo", {
      method: "POST",
      headers: await signed("/echo", body),
      body,
    });
    expect(res.status).toBe(413);
    expect(errorBodySchema.parse(await res.json()).error.code).toBe("payload_too_large");
  });

  it("gives the budget back after a refused body, and hands handlers the verified bytes", async () => {
    const hono = app();
    for (let i = 0; i < 3; i++) {
      const res = await hono.request("/raw", {
        method: "POST",
        headers: await signed("/raw", bytes("signed")),
        body: bytes("swappd"),
      });
      expect(res.status).toBe(401);
    }
    const res = await hono.request("/raw", {
      method: "POST",
      headers: await signed("/raw", bytes("abcdefgh")),
      body: bytes("abcdefgh"),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("abcdefgh");
  });
});
