import { open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type DaemonProcess,
  machineEnv,
  startDaemon,
  tempHome,
} from "../platform/support/daemon-process.ts";
import { type FakePlatform, startFakePlatform } from "../platform/support/fake-platform.ts";
import type { MachineKey } from "../platform/support/signed-fetch.ts";
import { streamClient } from "./support/stream-client.ts";

// A real `iterate-daemon` child process (behind platformAuth, so every request
// is signed), killed with SIGKILL and restarted on the same HOME.
let platform: FakePlatform | undefined;
let daemon: DaemonProcess | undefined;

afterEach(async () => {
  await daemon?.stop();
  await platform?.close();
  daemon = undefined;
  platform = undefined;
});

async function boot(home: string): Promise<MachineKey> {
  platform ??= await startFakePlatform();
  const pings = platform.pings.length;
  daemon = await startDaemon({ home, env: machineEnv(platform.url) });
  const all = await platform.waitForPings(pings + 1);
  const ping = all[all.length - 1];
  if (!ping) throw new Error("no ping");
  return { machineId: ping.body.machineId, secret: ping.body.secret };
}

async function kill(): Promise<void> {
  daemon?.child.kill("SIGKILL");
  await daemon?.stop();
}

const JSON_TYPE = { "content-type": "application/json" };

/** Where a (preallocated, zero-padded) segment's records end. */
function logicalEnd(bytes: Buffer): number {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return end;
}

async function writeAt(path: string, bytes: Buffer, position: number): Promise<void> {
  const handle = await open(path, "r+");
  await handle.write(bytes, 0, bytes.length, position);
  await handle.close();
}

describe("durability under kill -9", () => {
  it("keeps every acknowledged append of a concurrent burst, once and in order, with producer state", async () => {
    const home = await tempHome();
    const key = await boot(home);
    const client = streamClient(() => daemon?.url ?? "", key);
    expect((await client.send("PUT", "/agents/burst", { headers: JSON_TYPE })).status).toBe(201);

    const WRITERS = 8;
    const acked: number[][] = Array.from({ length: WRITERS }, () => []);
    let total = 0;
    let killed = false;
    await Promise.all(
      acked.map(async (seqs, w) => {
        for (let i = 0; ; i++) {
          const headers = {
            ...JSON_TYPE,
            "Producer-Id": `w${w}`,
            "Producer-Epoch": "0",
            "Producer-Seq": `${i}`,
          };
          let status: number;
          try {
            ({ status } = await client.send("POST", "/agents/burst", {
              headers,
              body: JSON.stringify({ w, i }),
            }));
          } catch {
            return; // the daemon is gone: this append was never acknowledged
          }
          expect(status).toBe(200);
          seqs.push(i);
          if (++total >= 400 && !killed) {
            killed = true;
            await kill();
          }
        }
      }),
    );

    const restartedKey = await boot(home);
    expect(restartedKey).toEqual(key);
    const messages = (await client.readAllJson("/agents/burst")) as { w: number; i: number }[];
    for (const [w, seqs] of acked.entries()) {
      const stored = messages.filter((m) => m.w === w).map((m) => m.i);
      // Every acknowledged append is there, once and in order; at most the one
      // in flight when the daemon died follows it.
      expect(stored.slice(0, seqs.length)).toEqual(seqs);
      expect(stored.length - seqs.length).toBeLessThanOrEqual(1);
      expect(stored).toEqual(stored.map((_, index) => index));
      // Producer state was written with the data: retrying the last acknowledged batch is a duplicate.
      const last = seqs.at(-1) as number;
      const retry = await client.send("POST", "/agents/burst", {
        headers: {
          ...JSON_TYPE,
          "Producer-Id": `w${w}`,
          "Producer-Epoch": "0",
          "Producer-Seq": `${last}`,
        },
        body: JSON.stringify({ w, i: last }),
      });
      expect(retry.status).toBe(204);
    }
    expect(messages.length).toBe(new Set(messages.map((m) => `${m.w}/${m.i}`)).size);
  });

  it("detects a torn last record on restart, truncates it, and keeps appending after it", async () => {
    const home = await tempHome();
    const key = await boot(home);
    const client = streamClient(() => daemon?.url ?? "", key);
    const TEXT = { "content-type": "text/plain" };
    await client.send("PUT", "/agents/torn", { headers: TEXT });
    for (const word of ["one", "two"]) {
      expect(
        (await client.send("POST", "/agents/torn", { headers: TEXT, body: word })).status,
      ).toBe(204);
    }
    await kill();

    // What a crash mid-write leaves right after the last record (segments are
    // preallocated, so that is inside the file): a frame that promises 64
    // bytes but holds 10.
    const root = join(home, ".iterate", "streams");
    const [dir] = (await readdir(root)).filter((name) => !name.startsWith("."));
    const segment = join(root, dir as string, "00000001.seg");
    const intact = logicalEnd(await readFile(segment));
    const torn = Buffer.alloc(18, 7);
    torn.writeUInt32LE(64, 0);
    await writeAt(segment, torn, intact);

    await boot(home);
    expect(daemon?.output()).toMatch(/torn last record/);
    expect(logicalEnd(await readFile(segment))).toBe(intact);
    expect((await client.send("GET", "/agents/torn?offset=-1")).text).toBe("onetwo");
    expect(
      (await client.send("POST", "/agents/torn", { headers: TEXT, body: "three" })).status,
    ).toBe(204);
    expect((await client.send("GET", "/agents/torn?offset=-1")).text).toBe("onetwothree");
  });
});
