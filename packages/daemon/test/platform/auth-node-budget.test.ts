import net from "node:net";
import { generateDaemonSecret, signRequest } from "@iterate/contract";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { platformAuth } from "../../src/auth/platform-auth.ts";
import { eventually } from "../agent/support/eventually.ts";
import { serveApp } from "../streams/support/serve-app.ts";
import { rawHttpTo } from "./support/raw-http.ts";

const key = { secret: generateDaemonSecret(), machineId: "mch_abort_budget" };
let server: { url: string; close(): Promise<void> };
let port: number;
beforeAll(async () => {
  const app = new Hono();
  app.use(platformAuth({ ...key, maxBodyBytes: 64, maxInFlightBodyBytes: 100 }));
  app.post("/echo", async (c) => c.text(await c.req.text()));
  server = await serveApp(app);
  port = Number(new URL(server.url).port);
});
afterAll(() => server.close());

// platformAuth's budget under @hono/node-server: 64 bytes per body, 100 bytes held at once
// across requests, however the bodies come and go.
const { request: rawRequest, connection, exchange } = rawHttpTo(key, () => port);
const until = <T>(attempt: () => Promise<T | undefined>) =>
  eventually(attempt, { timeoutMs: 5000 });

async function head(path: string, body: string, length: number) {
  const token = await signRequest({ ...key, method: "POST", url: path, body });
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${length}\r\n\r\n`;
}

function send(bytes: string, close: "destroy" | "end" | "keep"): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => {
      if (close === "end") return void s.end(bytes);
      s.write(bytes);
      if (close === "destroy") s.destroy();
    });
    let out = "";
    s.on("data", (d) => {
      out += d.toString();
      if (close === "keep" && out.includes("\r\n\r\n")) s.destroy();
    });
    s.on("close", () => resolve(out));
    s.on("error", () => resolve(out));
  });
}

describe("a client that leaves mid-body gives its budget back", () => {
  for (const mode of ["destroy", "end"] as const) {
    it(`after ${mode}`, async () => {
      const full = "x".repeat(64);
      const body = "y".repeat(40);
      // While one such sender stays, its 64 bytes are held: a 40-byte request does not fit.
      const stalled = net.connect(port, "127.0.0.1");
      stalled.write((await head("/echo", full, 64)) + full.slice(0, 10));
      await eventually(
        async () => (await send((await head("/echo", body, 40)) + body, "keep")).includes(" 503 "),
        { timeoutMs: 5000 },
      );
      if (mode === "end") stalled.end();
      else stalled.destroy();
      // Each announces 64 bytes of the 100-byte shared budget, sends 10, leaves at once.
      for (let i = 0; i < 21; i++) {
        await send((await head("/echo", full, 64)) + full.slice(0, 10), mode);
      }
      // A 40-byte request fits only once every abandoned reservation is released: well before
      // the tokens' deadlines (a minute), which is when a leaked one would go.
      const status = await eventually(
        async () => {
          const answer = await send((await head("/echo", body, 40)) + body, "keep");
          return answer.slice(9, 12) === "200" && "200";
        },
        { timeoutMs: 5000 },
      );
      expect(status).toBe("200");
    });
  }
});

describe("platform auth under @hono/node-server: bodies held at once across requests", () => {
  it("counts a streamed chunked body chunk by chunk: 503 for others while it holds the budget, 413 past the cap", async () => {
    const slow = connection();
    try {
      const body = "y".repeat(60);
      const head = (await rawRequest("/echo", body, { chunks: [body] })).split("\r\n\r\n")[0];
      // Headers and 60 of the 64 allowed bytes, then a pause: the rest is still to come.
      slow.write(`${head}\r\n\r\n3c\r\n${body}\r\n`);
      // Another 60-byte body no longer fits in the 100 bytes held at once.
      const refused = await until(async () => {
        const answer = await exchange(await rawRequest("/echo", "z".repeat(60)));
        return answer.status === 503 ? answer : undefined;
      });
      expect(JSON.parse(refused.body).error.code).toBe("limit_exceeded");
      // 60 + 8 bytes is over the 64-byte cap: answered 413 while still streaming.
      slow.write("8\r\nyyyyyyyy\r\n0\r\n\r\n");
      const answer = await slow.answer();
      expect(answer.status).toBe(413);
    } finally {
      slow.close();
    }
    // The budget is back once the stalled body is refused.
    const later = await exchange(await rawRequest("/echo", "z".repeat(60)));
    expect(later.status).toBe(200);
  });

  it("reserves an announced Content-Length before its first byte, and serves again once it is done", async () => {
    const stalled = connection();
    try {
      const body = "s".repeat(64);
      const request = await rawRequest("/echo", body);
      const [head] = request.split("\r\n\r\n");
      stalled.write(`${head}\r\n\r\n`);
      const refused = await until(async () => {
        const answer = await exchange(await rawRequest("/echo", "t".repeat(40)));
        return answer.status === 503 ? answer : undefined;
      });
      expect(JSON.parse(refused.body).error.code).toBe("limit_exceeded");
      stalled.write(body);
      const done = await stalled.answer();
      expect(done.status).toBe(200);
      expect(done.body).toBe(body);
    } finally {
      stalled.close();
    }
    const later = await exchange(await rawRequest("/echo", "t".repeat(40)));
    expect(later.status).toBe(200);
  });

  it("lets one token hold one reservation: a copy sent while it reads its body is replayed at once", async () => {
    // An attacker with one captured token opens connections that announce a body and stall.
    const body = "c".repeat(40);
    const [head] = (await rawRequest("/echo", body)).split("\r\n\r\n");
    const first = connection();
    const copy = connection();
    try {
      first.write(`${head}\r\n\r\n`);
      // The first holds its 40 bytes: a 64-byte request no longer fits in the 100.
      await until(async () =>
        (await exchange(await rawRequest("/echo", "u".repeat(64)))).status === 503
          ? true
          : undefined,
      );
      copy.write(`${head}\r\n\r\n`);
      const refused = await copy.answer();
      expect([refused.status, JSON.parse(refused.body).error.code]).toEqual([401, "replayed"]);
      // So the copy holds nothing: 40 + 30 fits, where 40 + 40 + 30 would not.
      expect((await exchange(await rawRequest("/echo", "v".repeat(30)))).status).toBe(200);
      // The first copy still runs once its body comes.
      first.write(body);
      expect(await first.answer()).toMatchObject({ status: 200, body });
    } finally {
      first.close();
      copy.close();
    }
  });
});
