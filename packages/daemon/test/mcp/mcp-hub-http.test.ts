import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventually } from "../agent/support/eventually.ts";
import { type FakeHttpMcp, startHttpMcp } from "./support/http-server.ts";
import { call, textOf, useHubHarness } from "./support/hub-harness.ts";

// The hub with a real Streamable HTTP MCP server on 127.0.0.1 (support/http-server.ts).

const SECRET = "s3cret-token-from-the-instance-env";

const h = useHubHarness({ machineEnv: { SECRET_TOKEN: SECRET }, backoffMs: 50 });

describe("a Streamable HTTP server", () => {
  let web: FakeHttpMcp;
  beforeEach(async () => {
    web = await startHttpMcp(SECRET);
  });
  afterEach(() => web.close());

  it("is connected with its headers, ${NAME} resolved", async () => {
    const lease = await h.hub.open({
      web: { url: web.url, headers: { Authorization: "Bearer ${SECRET_TOKEN}" } },
    });
    expect(textOf(await call(lease.tools, "web__lookup", { key: "k1" }))).toBe("value-of-k1");
    expect(web.requests.some((r) => r.method === "tools/call")).toBe(true);
    expect(h.statusOf("web")).toMatchObject({ transport: "http", target: web.url, state: "ready" });
    lease.release();
  });

  it("a wrong token is a failed server in words, not a hang", async () => {
    h.env.SECRET_TOKEN = "wrong";
    const lease = await h.hub.open({
      web: { url: web.url, headers: { Authorization: "Bearer ${SECRET_TOKEN}" } },
    });
    expect(lease.tools).toEqual([]);
    expect(h.statusOf("web")).toMatchObject({
      state: "failed",
      error: expect.stringMatching(/401/),
    });
    lease.release();
  });

  it("is never sent the machine token: a header resolving to it outside the platform is refused", async () => {
    const lease = await h.hub.open({
      web: { url: web.url, headers: { Authorization: "Bearer ${ITERATE_MACHINE_TOKEN}" } },
    });
    expect(h.statusOf("web")).toMatchObject({
      state: "failed",
      error: `would send the machine token to ${new URL(web.url).origin}; it is only ever sent to the platform`,
    });
    expect(web.requests).toEqual([]);
    lease.release();
  });

  it("reconnects after the server went away and came back", async () => {
    const lease = await h.hub.open({
      web: { url: web.url, headers: { Authorization: "Bearer ${SECRET_TOKEN}" } },
    });
    web.setDown(true);
    expect((await call(lease.tools, "web__lookup", { key: "k" })).ok).toBe(false);
    expect(h.statusOf("web").state).toBe("failed");
    web.setDown(false);
    await eventually(() => h.statusOf("web").state === "ready", { timeoutMs: 10_000 });
    expect(textOf(await call(lease.tools, "web__lookup", { key: "k2" }))).toBe("value-of-k2");
    lease.release();
  });
});
