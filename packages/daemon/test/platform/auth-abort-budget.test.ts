import net from "node:net";
import { generateDaemonSecret, signRequest } from "@iterate/contract";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { platformAuth } from "../../src/auth/platform-auth.ts";
import { eventually } from "../agent/support/eventually.ts";
import { serveApp } from "../streams/support/serve-app.ts";

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
