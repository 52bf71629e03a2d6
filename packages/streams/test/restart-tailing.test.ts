import { afterEach, describe, it } from "vitest";
import { storeProcessHarness } from "./support/store-process.ts";
import { streamClient } from "./support/stream-client.ts";
import { tailAcrossRestart } from "./support/tail-across-restart.ts";

// A real streams server in a child process, stopped (SIGTERM or SIGKILL) and
// restarted on the same directory while readers tail it.
const store = storeProcessHarness("streams-restart-");
afterEach(() => store.close());

describe("tailing across a server restart", () => {
  it.each(["SIGTERM", "SIGKILL"] as const)(
    "long-poll and SSE readers get every message exactly once, in order, after a %s restart",
    async (signal) => {
      const dir = await store.tempDir();
      await store.start(dir);
      await tailAcrossRestart(
        {
          client: streamClient(() => store.current()?.url ?? ""),
          async restart(signal) {
            if (signal === "SIGKILL") store.current()?.child.kill("SIGKILL");
            await store.current()?.stop();
            await store.start(dir);
          },
        },
        signal,
      );
    },
  );
});
