import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createReplayCache, errorBodySchema, signRequest } from "@iterate/contract";
import { describe, expect, it } from "vitest";
import { openPersistentReplayCache } from "../../src/auth/persistent-replay-cache.ts";
import { machineEnv, startDaemon, tempHome } from "./support/daemon-process.ts";
import { startFakePlatform } from "./support/fake-platform.ts";
import { startMachine } from "./support/machine.ts";
import { type MachineKey, signedFetch } from "./support/signed-fetch.ts";

/** One signed request, kept so that it can be sent again byte for byte (a captured request). */
async function capture(key: MachineKey, method: string, path: string, body?: string) {
  const token = await signRequest({ ...key, method, url: path, body });
  return (baseUrl: string) =>
    fetch(new URL(path, baseUrl), {
      method,
      body,
      headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
    });
}

describe("replay protection across a daemon restart", () => {
  it.each(["SIGTERM", "SIGKILL"] as const)(
    "refuses a captured append replayed after a %s restart; fresh requests pass at once",
    async (signal) => {
      const first = await startMachine();
      const { home } = first.daemon;
      const create = await capture(first.key, "PUT", "/agents/replayed");
      expect((await create(first.daemon.url)).status).toBe(201);
      const append = await capture(first.key, "POST", "/agents/replayed", "paid once");
      expect((await append(first.daemon.url)).status).toBeLessThan(300);
      first.daemon.child.kill(signal);
      await first.stop();

      const platform = await startFakePlatform();
      const second = await startDaemon({ home, env: machineEnv(platform.url) });
      try {
        const [ping] = await platform.waitForPings(1);
        expect(ping?.body.secret).toBe(first.key.secret);
        const replay = await append(second.url);
        expect(replay.status).toBe(401);
        expect(errorBodySchema.parse(await replay.json()).error.code).toBe("replayed");
        // The platform signs every request (and retry) anew: those are never refused.
        const read = await signedFetch(second.url, first.key, "GET", "/agents/replayed?offset=-1");
        expect(read.status).toBe(200);
        expect(await read.text()).toBe("paid once");
      } finally {
        await second.stop();
        await platform.close();
      }
    },
  );
});

describe("persistent replay cache", () => {
  const now = 1_800_000_000_000;

  it("refuses, after a reopen, the ids it accepted while they live, and forgets expired ones", async () => {
    const dir = join(await tempHome(), "replay");
    const first = await openPersistentReplayCache({ dir, now: () => now });
    expect(first.claim("a", now + 60_000, now)).toBe(true);
    expect(first.claim("short", now + 1_000, now)).toBe(true);
    expect(first.claim("a", now + 60_000, now)).toBe(false);
    first.close();
    const later = now + 5_000;
    const inner = createReplayCache();
    const second = await openPersistentReplayCache({ dir, inner, now: () => later });
    expect(inner.size).toBe(1);
    expect(second.claim("a", now + 60_000, later)).toBe(false);
    expect(second.claim("short", now + 1_000 + 60_000, later)).toBe(true);
    expect(second.claim("b", later + 60_000, later)).toBe(true);
    second.close();
  });

  it("keeps, after a reopen, an id whose exact expiry passed but whose second has not", async () => {
    const dir = join(await tempHome(), "replay");
    const first = await openPersistentReplayCache({ dir, now: () => now });
    expect(first.claim("fractional", now + 60_500, now)).toBe(true);
    first.close();
    // Past now + 60.5 s, still in its second: a token with a fractional exp verifies until
    // the second ends, so its id is still remembered.
    const later = now + 60_700;
    const second = await openPersistentReplayCache({ dir, now: () => later });
    expect(second.claim("fractional", now + 60_500, later)).toBe(false);
    second.close();
  });

  it("writes the ids claimed since the last flush in one line each, as JSON a jti cannot forge", async () => {
    const dir = join(await tempHome(), "replay");
    const cache = await openPersistentReplayCache({ dir, now: () => now });
    const sneaky = `x"]\n[${now + 90_000},"victim`;
    const logLines = async () => {
      const [file] = await readdir(dir);
      const text = await readFile(join(dir, file as string), "utf8");
      return text === ""
        ? []
        : text
            .trimEnd()
            .split("\n")
            .map((line) => JSON.parse(line));
    };
    expect(cache.claim(sneaky, now + 60_000, now)).toBe(true);
    expect(cache.claim("plain", now + 30_000, now)).toBe(true);
    // Batched: nothing is written until flush (platformAuth flushes before the request runs).
    expect(await logLines()).toEqual([]);
    cache.flush();
    expect(await logLines()).toEqual([
      [now + 60_000, sneaky],
      [now + 30_000, "plain"],
    ]);
    cache.flush();
    expect(await logLines()).toHaveLength(2);
    cache.close();
    const reopened = await openPersistentReplayCache({ dir, now: () => now });
    expect(reopened.claim("victim", now + 60_000, now)).toBe(true);
    expect(reopened.claim(sneaky, now + 60_000, now)).toBe(false);
    reopened.close();
  });

  it("writes what is still pending when closed", async () => {
    const dir = join(await tempHome(), "replay");
    const first = await openPersistentReplayCache({ dir, now: () => now });
    expect(first.claim("unflushed", now + 60_000, now)).toBe(true);
    first.close();
    const second = await openPersistentReplayCache({ dir, now: () => now });
    expect(second.claim("unflushed", now + 60_000, now)).toBe(false);
    second.close();
  });

  it("rotates its log every two minutes and deletes files whose ids have all expired", async () => {
    const dir = join(await tempHome(), "replay");
    let clock = now;
    const cache = await openPersistentReplayCache({ dir, now: () => clock });
    for (let i = 0; i < 6; i++) {
      expect(cache.claim(`jti-${i}`, clock + 120_000, clock)).toBe(true);
      cache.flush();
      clock += 60_000;
    }
    cache.close();
    // Six minutes of ids, but only the current and the previous period's files are kept.
    expect((await readdir(dir)).length).toBeLessThanOrEqual(2);
  });

  it("skips a torn line (a power loss mid-write) and says so in one line", async () => {
    const dir = join(await tempHome(), "replay");
    const first = await openPersistentReplayCache({ dir, now: () => now });
    first.claim("kept", now + 60_000, now);
    first.close();
    const [file] = await readdir(dir);
    await writeFile(join(dir, file as string), `[${now + 60_000},"kept"]\n[18000000`, {
      flag: "w",
    });
    const log: string[] = [];
    const second = await openPersistentReplayCache({
      dir,
      now: () => now,
      log: (line) => log.push(line),
    });
    expect(log).toEqual([`replay cache: skipped 1 unreadable line(s) in ${dir}`]);
    expect(second.claim("kept", now + 60_000, now)).toBe(false);
    // The id claimed after the torn line starts a line of its own, so it survives the next start.
    expect(second.claim("after-the-tear", now + 60_000, now)).toBe(true);
    second.close();
    const third = await openPersistentReplayCache({ dir, now: () => now, log: () => {} });
    expect(third.claim("after-the-tear", now + 60_000, now)).toBe(false);
    third.close();
  });
});
