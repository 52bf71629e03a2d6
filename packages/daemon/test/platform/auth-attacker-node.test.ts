/**
 * Attacker regression tests of platformAuth under @hono/node-server (security review of the lean
 * body path, htu "as sent" and the node:crypto backend): a token for one request line serves no
 * other, a non-canonical spelling of a genuine signature never verifies, framing tricks are
 * refused, and of two identical requests sent together exactly one runs.
 */
import net from "node:net";
import { generateDaemonSecret, signRequest } from "@iterate/contract";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { platformAuth } from "../../src/auth/platform-auth.ts";
import { serveApp } from "../streams/support/serve-app.ts";

const key = { secret: generateDaemonSecret(), machineId: "mch_attacker_node" };
let server: { url: string; close(): Promise<void> };
let port: number;
let ran = 0;

beforeAll(async () => {
  const app = new Hono();
  app.use(platformAuth({ ...key, maxBodyBytes: 1024, maxInFlightBodyBytes: 4096 }));
  app.post("/echo", async (c) => {
    ran++;
    return c.text(await c.req.text());
  });
  app.put("/echo", async (c) => {
    ran++;
    return c.text(await c.req.text());
  });
  app.get("/a/b", (c) => {
    ran++;
    return c.text("routed");
  });
  server = await serveApp(app);
  port = Number(new URL(server.url).port);
});
afterAll(() => server.close());

const sign = (method: string, path: string, body?: string) =>
  signRequest({ ...key, method, url: path, body });

/** Writes raw bytes on a fresh connection, half-closes, and returns everything answered. */
function exchange(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.end(bytes));
    let out = "";
    socket.on("data", (d) => {
      out += d.toString("latin1");
    });
    socket.on("close", () => resolve(out));
    socket.on("error", () => resolve(out));
  });
}

const statuses = (answer: string) => [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
const codeOf = (answer: string) => /"code":"([a-z_]+)"/.exec(answer)?.[1];

function request(method: string, target: string, token: string, body = "", extra = ""): string {
  const length =
    body === "" && method === "GET" ? "" : `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n${extra}${length}Connection: close\r\n\r\n${body}`;
}

describe("platform auth under Node, as an attacker", () => {
  it("runs a genuine request (the baseline for everything below)", async () => {
    const answer = await exchange(
      request("POST", "/echo", await sign("POST", "/echo", "hi"), "hi"),
    );
    expect(statuses(answer)).toEqual(["200"]);
    expect(answer.endsWith("hi")).toBe(true);
  });

  it("refuses a token for POST used with another method (401 method_mismatch)", async () => {
    const before = ran;
    const answer = await exchange(request("PUT", "/echo", await sign("POST", "/echo", "x"), "x"));
    expect([statuses(answer), codeOf(answer)]).toEqual([["401"], "method_mismatch"]);
    expect(ran).toBe(before);
  });

  it("refuses a token for /a/b on any other spelling of the target", async () => {
    const before = ran;
    for (const target of [
      "/a/b?x=1",
      "/a/b?",
      "/a/./b",
      "/a/c/../b",
      "/a/%2e%2e/a/b",
      "/a/%62",
      "/A/b",
      "//a/b",
      "/a//b",
      "/a/b/",
    ]) {
      const answer = await exchange(request("GET", target, await sign("GET", "/a/b")));
      expect(statuses(answer), target).not.toContain("200");
    }
    expect(ran).toBe(before);
  });

  it("refuses a target the router reads as another path, even with a token signed for it as sent", async () => {
    const before = ran;
    // The adapter resolves dot segments (and %2e ones) before routing: each of these reaches
    // /a/b. A signer that signed them as sent (not the platform's) must not reach it.
    for (const target of [
      "/x/../a/b",
      "/x/%2e%2e/a/b",
      "/x/%2E.%2E/../a/b",
      "/a/./b",
      "/a/b/.",
      "/a/b#x",
    ]) {
      const signedFor = target.replace(/#.*/, "");
      const answer = await exchange(request("GET", target, await sign("GET", signedFor)));
      expect([statuses(answer), codeOf(answer)], target).toEqual([["401"], "path_mismatch"]);
    }
    expect(ran).toBe(before);
  });

  it("refuses a query reordered from the signed one", async () => {
    const before = ran;
    const answer = await exchange(
      request("GET", "/a/b?y=2&x=1", await sign("GET", "/a/b?x=1&y=2")),
    );
    expect([statuses(answer), codeOf(answer)]).toEqual([["401"], "path_mismatch"]);
    expect(ran).toBe(before);
  });

  it("never verifies a non-canonical spelling of a genuine signature (or of its claims)", async () => {
    const before = ran;
    const token = await sign("GET", "/a/b");
    const [header, payload, signature] = token.split(".") as [string, string, string];
    // 32 bytes → 43 characters, the last carrying 2 unused bits: set one of them.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(signature.at(-1) as string);
    expect(last & 3).toBe(0);
    const spellings = [
      `${header}.${payload}.${signature.slice(0, -1)}${alphabet[last | 1]}`,
      `${header}.${payload}.${signature}=`,
      // Standard base64's alphabet (a signature with neither "-" nor "_" gets a "+" forced in).
      /[-_]/.test(signature)
        ? `${header}.${payload}.${signature.replaceAll("-", "+").replaceAll("_", "/")}`
        : `${header}.${payload}.+${signature.slice(1)}`,
      `${header}.${payload}.${signature}A`,
      `${header}.${payload}.${signature.slice(0, 20)} ${signature.slice(20)}`,
      `${header}.${payload}=.${signature}`,
      `${header}=.${payload}.${signature}`,
      `${header}.${payload}.${signature}.`,
    ];
    for (const spelling of spellings) {
      expect(spelling).not.toBe(token);
      const answer = await exchange(request("GET", "/a/b", spelling));
      expect(statuses(answer), spelling).toEqual(["401"]);
    }
    expect(ran).toBe(before);
    // The genuine spelling still works (nothing above burnt its jti).
    expect(statuses(await exchange(request("GET", "/a/b", token)))).toEqual(["200"]);
  });

  it("refuses Content-Length together with Transfer-Encoding, and a body on a token signed without one", async () => {
    const before = ran;
    const body = "x";
    const both = await exchange(
      request(
        "POST",
        "/echo",
        await sign("POST", "/echo", body),
        "1\r\nx\r\n0\r\n\r\n",
        "Transfer-Encoding: chunked\r\n",
      ),
    );
    expect(statuses(both)).not.toContain("200");
    const unsignedBody = await exchange(
      request("POST", "/echo", await sign("POST", "/echo"), "smuggled"),
    );
    expect([statuses(unsignedBody), codeOf(unsignedBody)]).toEqual([["401"], "body_mismatch"]);
    const token = await sign("POST", "/echo");
    const chunked = await exchange(
      `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n8\r\nsmuggled\r\n0\r\n\r\n`,
    );
    expect([statuses(chunked), codeOf(chunked)]).toEqual([["401"], "body_mismatch"]);
    expect(ran).toBe(before);
  });

  it("runs exactly one of two identical requests pipelined in one packet, or sent on two connections at once", async () => {
    const before = ran;
    const token = await sign("POST", "/echo", "once");
    const one = request("POST", "/echo", token, "once").replace("Connection: close\r\n", "");
    const pipelined = await exchange(one + one);
    expect(statuses(pipelined).sort()).toEqual(["200", "401"]);
    expect(codeOf(pipelined)).toBe("replayed");

    const token2 = await sign("POST", "/echo", "twice");
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => exchange(request("POST", "/echo", token2, "twice"))),
    );
    expect(answers.flatMap(statuses).filter((s) => s === "200")).toHaveLength(1);
    expect(ran).toBe(before + 2);
  });

  it("hands the handler the hashed bytes only: what follows Content-Length is the next request, unsigned", async () => {
    const token = await sign("POST", "/echo", "good");
    // Content-Length says 4: Node frames "good"; the rest is a second (unsigned) request.
    const answer = await exchange(
      `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Length: 4\r\n\r\ngood` +
        "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nConnection: close\r\n\r\nevil",
    );
    expect(statuses(answer)).toEqual(["200", "401"]);
    expect(answer).toMatch(/\r\n\r\ngoodHTTP\/1\.1 401/);
    expect(answer).not.toContain("evil");
  });
});
