import { mkdtemp, open, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type StoreProcess, startStoreProcess } from "./support/store-process.ts";
import { streamClient } from "./support/stream-client.ts";

// A real streams server in a child process, killed with SIGKILL and restarted
// on the same directory.
let server: StoreProcess | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await server?.stop();
  server = undefined;
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "streams-kill9-"));
  dirs.push(dir);
  return dir;
}

async function boot(dir: string): Promise<void> {
  server = await startStoreProcess(dir);
}

async function kill(): Promise<void> {
  server?.child.kill("SIGKILL");
  await server?.stop();
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
    const dir = await tempDir();
    await boot(dir);
    const client = streamClient(() => server?.url ?? "");
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
            return; // the server is gone: this append was never acknowledged
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

    await boot(dir);
    const messages = (await client.readAllJson("/agents/burst")) as { w: number; i: number }[];
    for (const [w, seqs] of acked.entries()) {
      const stored = messages.filter((m) => m.w === w).map((m) => m.i);
      // Every acknowledged append is there, once and in order; at most the one
      // in flight when the server died follows it.
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
    const dir = await tempDir();
    await boot(dir);
    const client = streamClient(() => server?.url ?? "");
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
    const [id] = (await readdir(dir)).filter((name) => !name.startsWith("."));
    const segment = join(dir, id as string, "00000001.seg");
    const intact = logicalEnd(await readFile(segment));
    const torn = Buffer.alloc(18, 7);
    torn.writeUInt32LE(64, 0);
    await writeAt(segment, torn, intact);

    await boot(dir);
    expect(server?.output()).toMatch(/torn last record/);
    expect(logicalEnd(await readFile(segment))).toBe(intact);
    expect((await client.send("GET", "/agents/torn?offset=-1")).text).toBe("onetwo");
    expect(
      (await client.send("POST", "/agents/torn", { headers: TEXT, body: "three" })).status,
    ).toBe(204);
    expect((await client.send("GET", "/agents/torn?offset=-1")).text).toBe("onetwothree");
  });
});
