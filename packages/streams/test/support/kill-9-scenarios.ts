import { open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import type { StreamClient } from "./stream-client.ts";

/** A streams server in a child process over a file store, to kill with SIGKILL. */
export interface KillableServer {
  /** A client of the server, wherever it currently listens. */
  client: StreamClient;
  /** The file store's directory (one folder per stream). */
  storeDir: string;
  /** SIGKILL, resolved once the process has exited. */
  kill(): Promise<void>;
  /** Starts the server again on the same store. */
  restart(): Promise<void>;
  /** Everything the current process printed so far. */
  output(): string;
}

const JSON_TYPE = { "content-type": "application/json" };
const TEXT = { "content-type": "text/plain" };

/**
 * Eight producers append concurrently until 400 appends are acknowledged, the
 * server is killed mid-burst and restarted; asserts that every acknowledged
 * append is stored once and in order (at most the one in flight follows it)
 * and that producer state survived: retrying each last acknowledged append is a duplicate (204).
 */
export async function burstThenKill(server: KillableServer): Promise<void> {
  const { client } = server;
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
          await server.kill();
        }
      }
    }),
  );

  await server.restart();
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
}

/**
 * Appends "one" and "two", kills the server, leaves a torn frame after the last
 * record and restarts; asserts the server reports the torn last record,
 * truncates it, still reads "onetwo" and appends "three" after it.
 */
export async function tornLastRecord(server: KillableServer): Promise<void> {
  const { client } = server;
  await client.send("PUT", "/agents/torn", { headers: TEXT });
  for (const word of ["one", "two"]) {
    expect((await client.send("POST", "/agents/torn", { headers: TEXT, body: word })).status).toBe(
      204,
    );
  }
  await server.kill();

  // What a crash mid-write leaves right after the last record (segments are
  // preallocated, so that is inside the file): a frame that promises 64
  // bytes but holds 10.
  const [id] = (await readdir(server.storeDir)).filter((name) => !name.startsWith("."));
  const segment = join(server.storeDir, id as string, "00000001.seg");
  const intact = logicalEnd(await readFile(segment));
  const torn = Buffer.alloc(18, 7);
  torn.writeUInt32LE(64, 0);
  await writeAt(segment, torn, intact);

  await server.restart();
  expect(server.output()).toMatch(/torn last record/);
  expect(logicalEnd(await readFile(segment))).toBe(intact);
  expect((await client.send("GET", "/agents/torn?offset=-1")).text).toBe("onetwo");
  expect((await client.send("POST", "/agents/torn", { headers: TEXT, body: "three" })).status).toBe(
    204,
  );
  expect((await client.send("GET", "/agents/torn?offset=-1")).text).toBe("onetwothree");
}

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
