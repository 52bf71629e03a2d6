import { appendFile, type FileHandle, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readWhole } from "../../src/agent/tools/regular-file.ts";
import { tempDir } from "../platform/support/temp.ts";

describe("readWhole: a file read to its end, never past a bound", () => {
  it("reads what was appended after the open, and gives up once the file passes the bound", async () => {
    const path = join(await tempDir("read-whole-"), "log.txt");
    await writeFile(path, "a".repeat(1000));
    const handle = await open(path, "r");
    try {
      // Written by someone else after the open (and after any size check made on it).
      await appendFile(path, "b".repeat(500));
      expect((await readWhole(handle, 1500))?.toString()).toBe(
        `${"a".repeat(1000)}${"b".repeat(500)}`,
      );
      await appendFile(path, "c");
      expect(await readWhole(handle, 1500)).toBeNull();
      // Far past the bound: refused without reading it all.
      await appendFile(path, Buffer.alloc(4 * 1024 * 1024));
      expect(await readWhole(handle, 1500)).toBeNull();
    } finally {
      await handle.close();
    }
  });

  it("reads a file larger than its first chunk whole, and an empty one as empty", async () => {
    const dir = await tempDir("read-whole-");
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, 120);
    await writeFile(join(dir, "big"), big);
    await writeFile(join(dir, "empty"), "");
    for (const [name, expected] of [
      ["big", big],
      ["empty", Buffer.alloc(0)],
    ] as const) {
      const handle = await open(join(dir, name), "r");
      try {
        expect((await readWhole(handle, 8 * 1024 * 1024))?.equals(expected)).toBe(true);
      } finally {
        await handle.close();
      }
    }
  });

  it("reads a file that arrives a byte per read whole, in one buffer at most twice its size", async () => {
    const content = Buffer.from("x".repeat(5000));
    let reads = 0;
    let largest = 0;
    // A handle whose reads return one byte each, as from a writer that keeps appending little.
    const trickle = {
      async read(buffer: Buffer, offset: number, _length: number, position: number) {
        reads++;
        largest = Math.max(largest, buffer.length);
        if (position >= content.length) return { bytesRead: 0, buffer };
        buffer[offset] = content[position] as number;
        return { bytesRead: 1, buffer };
      },
    } as unknown as FileHandle;
    expect((await readWhole(trickle, 1 << 20))?.equals(content)).toBe(true);
    expect(reads).toBe(content.length + 1);
    expect(largest).toBeLessThanOrEqual(2 * content.length);
    expect(await readWhole(trickle, content.length - 1)).toBeNull();
  });
});
