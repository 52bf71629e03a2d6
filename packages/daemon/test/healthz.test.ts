import { describe, expect, it } from "vitest";
import { createDaemonApp } from "../src/app.ts";
import { DAEMON_VERSION } from "../src/version.ts";

describe("GET /healthz", () => {
  it("answers 200 with the daemon version, without authentication", async () => {
    const res = await createDaemonApp().request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, version: DAEMON_VERSION });
  });
});
