import { afterEach, describe, it } from "vitest";
import { burstThenKill, type KillableServer, tornLastRecord } from "./support/kill-9-scenarios.ts";
import { storeProcessHarness } from "./support/store-process.ts";
import { streamClient } from "./support/stream-client.ts";

// A real streams server in a child process, killed with SIGKILL and restarted
// on the same directory.
const store = storeProcessHarness("streams-kill9-");
afterEach(() => store.close());

async function killableServer(): Promise<KillableServer> {
  const dir = await store.tempDir();
  await store.start(dir);
  return {
    client: streamClient(() => store.current()?.url ?? ""),
    storeDir: dir,
    async kill() {
      store.current()?.child.kill("SIGKILL");
      await store.current()?.stop();
    },
    async restart() {
      await store.start(dir);
    },
    output: () => store.current()?.output() ?? "",
  };
}

describe("durability under kill -9", () => {
  it("keeps every acknowledged append of a concurrent burst, once and in order, with producer state", async () => {
    await burstThenKill(await killableServer());
  });

  it("detects a torn last record on restart, truncates it, and keeps appending after it", async () => {
    await tornLastRecord(await killableServer());
  });
});
