import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { ORIGIN } from "./helpers.ts";

const get = (path: string, platformUrl: string) =>
  createApp().request(`${ORIGIN}${path}`, {}, { ...env, PLATFORM_URL: platformUrl });

describe("Server-Timing", () => {
  it.each(["/healthz", "/login", "/api/instances"])(
    "is not sent by a deployed platform (%s)",
    async (path) => {
      const res = await get(path, "https://os.example.com");
      expect(res.headers.get("server-timing")).toBeNull();
    },
  );

  it("is sent by a development platform (PLATFORM_URL on loopback), for the bench", async () => {
    const res = await get("/login", "http://127.0.0.1:8787");
    expect(res.headers.get("server-timing")).toMatch(/total;dur=/);
  });
});
