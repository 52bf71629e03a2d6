import { join } from "node:path";
import { burstThenKill, type KillableServer, tornLastRecord } from "@iterate/streams/testing";
import { afterEach, describe, expect, it } from "vitest";
import { tempHome } from "../platform/support/daemon-process.ts";
import { signedStreamClient } from "./support/stream-client.ts";
import { streamsDaemon } from "./support/streams-daemon.ts";

// A real `iterate-daemon` child process (behind platformAuth, so every request
// is signed), killed with SIGKILL and restarted on the same HOME. The package
// runs the same scenarios against its own store process; here they prove the
// daemon's file store (fsync on, under `<home>/.iterate/streams`) and its logs.
const daemon = streamsDaemon();
afterEach(() => daemon.close());

async function killableDaemon(): Promise<KillableServer> {
  const home = await tempHome();
  const key = await daemon.boot(home);
  return {
    client: signedStreamClient(daemon.url, key),
    storeDir: join(home, ".iterate", "streams"),
    kill: () => daemon.kill(),
    async restart() {
      // The machine identity survives a kill -9: the platform's key still signs.
      expect(await daemon.boot(home)).toEqual(key);
    },
    output: () => daemon.output(),
  };
}

describe("durability under kill -9", () => {
  it("keeps every acknowledged append of a concurrent burst, once and in order, with producer state", async () => {
    await burstThenKill(await killableDaemon());
  });

  it("detects a torn last record on restart, truncates it, logs it, and keeps appending after it", async () => {
    await tornLastRecord(await killableDaemon());
  });
});
