import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { revokeMachineTokens } from "../../src/db/access-tokens.ts";
import { machines } from "../../src/db/schema.ts";
import { findSlackInstallationByTeam, openBotToken } from "../../src/db/slack-installations.ts";
import { keyringFromEnv } from "../../src/keyring.ts";
import { SLACK_PROXY_METHODS } from "../../src/proxies/slack-proxy.ts";
import { call, createToken, endlessBody, expectError, signUp } from "../helpers.ts";
import {
  connectSlack,
  db,
  failNext,
  fakeSlack,
  machineToken,
  signUpWithSlack,
  slackCalls,
  slackProxy,
  uniqueTeam,
} from "./support.ts";

const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json; charset=utf-8";

async function botToken(team: string): Promise<string> {
  const row = await findSlackInstallationByTeam(db(), team);
  return openBotToken(await keyringFromEnv(env), row as NonNullable<typeof row>);
}

/** A connected instance and its machine's real token. */
async function connectedMachine(label: string) {
  const { user, team } = await signUpWithSlack(label);
  const { token, machineId } = await machineToken(user.instance.id);
  return { user, team, token, machineId, bot: await botToken(team) };
}

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

describe("POST /api/slack/:method", () => {
  it("calls Slack with the instance's bot token instead of the machine token, and no other caller header", async () => {
    const { team, token, bot } = await connectedMachine("slack-proxy-swap");
    const res = await slackProxy("chat.postMessage", {
      token,
      body: "channel=C0GENERAL&text=hello",
      headers: {
        "content-type": FORM,
        cookie: "iterate_session=stolen",
        "x-forwarded-for": "10.0.0.1",
        "x-custom": "leak-me",
      },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; channel: string; ts: string };
    expect(body).toMatchObject({ ok: true, channel: "C0GENERAL" });
    expect(body.ts).toMatch(/^\d+\.\d{6}$/);

    const calls = await slackCalls({ team, method: "chat.postMessage" });
    expect(calls).toHaveLength(1);
    const [recorded] = calls;
    expect(recorded?.token).toBe(bot);
    expect(recorded?.headers.authorization).toBe(`Bearer ${bot}`);
    expect(recorded?.contentType).toBe(FORM);
    for (const header of ["cookie", "x-forwarded-for", "x-custom"]) {
      expect(recorded?.headers[header]).toBeUndefined();
    }
    // The machine token reached Slack nowhere: not as a token, not in any header or body.
    expect(await slackCalls({ token })).toEqual([]);
    expect(JSON.stringify(recorded)).not.toContain(token);
  });

  it("passes form and JSON bodies through byte for byte, with their content type", async () => {
    const { team, token } = await connectedMachine("slack-proxy-bytes");
    const form = "channel=C0BYTES&text=caf%C3%A9+%E2%9C%93%20%2B1&unfurl_links=false";
    const json = '{ "channel" : "C0BYTES",\n  "text": "naïve ✓ \\u00e9 😀", "mrkdwn":true }';
    expect(
      (
        await slackProxy("chat.postMessage", {
          token,
          body: form,
          headers: { "content-type": FORM },
        })
      ).status,
    ).toBe(200);
    const jsonRes = await slackProxy("chat.postMessage", {
      token,
      body: json,
      headers: { "content-type": JSON_TYPE },
    });
    expect(await jsonRes.json()).toMatchObject({ ok: true, message: { text: "naïve ✓ é 😀" } });

    const calls = await slackCalls({ team, method: "chat.postMessage" });
    expect(calls.map((c) => [c.contentType, c.bodyBase64])).toEqual([
      [FORM, base64(form)],
      [JSON_TYPE, base64(json)],
    ]);
    expect(calls[0]?.params.text).toBe("café ✓ +1");
  });

  it("keeps a thread: replies posted through the proxy come back from conversations.replies", async () => {
    const { token } = await connectedMachine("slack-proxy-thread");
    const post = async (params: Record<string, string>) => {
      const res = await slackProxy("chat.postMessage", {
        token,
        body: new URLSearchParams(params).toString(),
        headers: { "content-type": FORM },
      });
      return ((await res.json()) as { ts: string }).ts;
    };
    const root = await post({ channel: "C0THREAD", text: "question" });
    await post({ channel: "C0THREAD", text: "answer", thread_ts: root });
    const res = await slackProxy("conversations.replies", {
      token,
      body: JSON.stringify({ channel: "C0THREAD", ts: root }),
      headers: { "content-type": JSON_TYPE },
    });
    const body = (await res.json()) as { messages: { text: string }[] };
    expect(body.messages.map((m) => m.text)).toEqual(["question", "answer"]);
  });

  it("passes Slack's ok:false answers and 429 with Retry-After through unchanged", async () => {
    const { team, token } = await connectedMachine("slack-proxy-errors");
    const notFound = await slackProxy("chat.update", {
      token,
      body: "channel=C0X&ts=1.000001&text=x",
      headers: { "content-type": FORM },
    });
    expect(notFound.status).toBe(200);
    expect(await notFound.json()).toEqual({ ok: false, error: "message_not_found" });

    await failNext({ method: "chat.postMessage", team, retryAfter: 7 });
    const limited = await slackProxy("chat.postMessage", {
      token,
      body: "channel=C0X&text=x",
      headers: { "content-type": FORM },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(await limited.json()).toEqual({ ok: false, error: "ratelimited" });

    await failNext({ method: "auth.test", team, status: 500, error: "internal_error" });
    const broken = await slackProxy("auth.test", { token });
    expect(broken.status).toBe(500);
    expect(await broken.json()).toEqual({ ok: false, error: "internal_error" });
  });

  it("never follows a redirect from Slack: 502, and the bot token went to the one method only", async () => {
    const { team, token } = await connectedMachine("slack-proxy-redirect");
    const elsewhere = `${fakeSlack().url}/api/users.info`;
    await failNext({ method: "auth.test", team, status: 302, location: elsewhere });
    await expectError(await slackProxy("auth.test", { token }), 502, "upstream_error");
    await failNext({ method: "chat.postMessage", team, status: 307, location: elsewhere });
    const posted = await slackProxy("chat.postMessage", {
      token,
      body: "channel=C0X&text=x",
      headers: { "content-type": FORM },
    });
    await expectError(posted, 502, "upstream_error");
    expect(await slackCalls({ team, method: "users.info" })).toEqual([]);
  });

  it("refuses methods off the allowlist with 403 naming the allowed ones, without calling Slack", async () => {
    const { team, token } = await connectedMachine("slack-proxy-allowlist");
    for (const method of ["oauth.v2.access", "admin.users.list", "chat.scheduleMessage", "x"]) {
      const message = await expectError(await slackProxy(method, { token }), 403, "forbidden");
      expect(message).toContain(SLACK_PROXY_METHODS.join(", "));
      expect(await slackCalls({ team, method })).toEqual([]);
    }
    for (const method of SLACK_PROXY_METHODS) {
      const res = await slackProxy(method, { token, body: "", headers: { "content-type": FORM } });
      expect(res.status, method).toBe(200);
    }
  });

  it("refuses no token, garbage, a user token, a revoked token and an archived machine's token (401)", async () => {
    const { user, team, token, machineId } = await connectedMachine("slack-proxy-auth");
    const refuse = async (authorization?: string) => {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      await expectError(await slackProxy("auth.test", { headers }), 401, "unauthorized");
    };
    await refuse();
    await refuse("Bearer garbage");
    await refuse(`Basic ${btoa("a:b")}`);
    await refuse(`Bearer ${await createToken(user)}`);
    expect((await slackProxy("auth.test", { token })).status).toBe(200);

    // An archived machine whose token somehow survived: the machine is what must be live.
    await db().update(machines).set({ status: "archived" }).where(eq(machines.id, machineId));
    await refuse(`Bearer ${token}`);
    await db().update(machines).set({ status: "starting" }).where(eq(machines.id, machineId));
    expect((await slackProxy("auth.test", { token })).status).toBe(200);
    await revokeMachineTokens(db(), machineId);
    await refuse(`Bearer ${token}`);
    expect((await slackCalls({ team, method: "auth.test" })).length).toBe(2);
  });

  it("refuses the token of a machine replaced by a rebuild (401)", async () => {
    const { user, token } = await connectedMachine("slack-proxy-rebuilt");
    const res = await call(
      "POST",
      `/api/instances/${user.instance.id}/machines/rebuild`,
      undefined,
      { cookie: user.cookie },
    );
    expect(res.status).toBe(202);
    await expectError(await slackProxy("auth.test", { token }), 401, "unauthorized");
  });

  it("gives another instance's machine its own Slack, or 404 when it has none", async () => {
    const a = await connectedMachine("slack-proxy-a");
    const b = await signUp("slack-proxy-b");
    const { token: bToken } = await machineToken(b.instance.id);
    const message = await expectError(
      await slackProxy("auth.test", { token: bToken }),
      404,
      "not_found",
    );
    expect(message).toContain("has not connected Slack");
    expect(await slackCalls({ team: a.team })).toEqual([]);

    const bTeam = uniqueTeam();
    expect((await connectSlack(b, bTeam)).res.status).toBe(303);
    const res = await slackProxy("auth.test", { token: bToken });
    expect(await res.json()).toMatchObject({ ok: true, team_id: bTeam });
    const [recorded] = await slackCalls({ method: "auth.test", token: await botToken(bTeam) });
    expect(recorded?.team).toBe(bTeam);
    expect(await slackCalls({ team: a.team })).toEqual([]);
  });

  it("answers 413 for a chunked body over 1 MiB without reading it all, and calls nobody", async () => {
    const { team, token } = await connectedMachine("slack-proxy-chunked");
    const endless = endlessBody({ chunkBytes: 64 * 1024, maxBytes: 64 * 1024 * 1024 });
    const res = await slackProxy("chat.postMessage", {
      token,
      body: endless.body,
      headers: { "content-type": FORM },
    });
    await expectError(res, 413, "payload_too_large");
    expect(endless.pulled()).toBeLessThan(4 * 1024 * 1024);
    expect(await slackCalls({ team })).toEqual([]);
  });

  it("answers 413 for a body over 1 MiB", async () => {
    const { team, token } = await connectedMachine("slack-proxy-large");
    const res = await slackProxy("chat.postMessage", {
      token,
      body: `channel=C0&text=${"x".repeat(1024 * 1024)}`,
      headers: { "content-type": FORM },
    });
    await expectError(res, 413, "payload_too_large");
    expect(await slackCalls({ team })).toEqual([]);
  });
});
