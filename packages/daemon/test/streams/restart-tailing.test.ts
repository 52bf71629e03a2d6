import { tailAcrossRestart } from "@iterate/streams/testing";
import { afterEach, describe, expect, it } from "vitest";
import { tempHome } from "../platform/support/daemon-process.ts";
import { signedStreamClient } from "./support/stream-client.ts";
import { streamsDaemon } from "./support/streams-daemon.ts";

// The package proves the store's side of this against its own store process; here
// it is the real daemon: its SIGTERM shutdown, its store under HOME, and long-polls
// and SSE signed through platformAuth before and after the restart.
const daemon = streamsDaemon({ ITERATE_LONG_POLL_MS: "1000" });
afterEach(() => daemon.close());

describe("tailing across a daemon restart", () => {
  it.each(["SIGTERM", "SIGKILL"] as const)(
    "long-poll and SSE readers get every message exactly once, in order, after a %s restart",
    async (signal) => {
      const home = await tempHome();
      const key = await daemon.boot(home);
      await tailAcrossRestart(
        {
          client: signedStreamClient(daemon.url, key),
          async restart(signal) {
            await (signal === "SIGKILL" ? daemon.kill() : daemon.stop());
            // The restarted daemon keeps its identity, so the readers' key still signs.
            expect(await daemon.boot(home)).toEqual(key);
          },
        },
        signal,
      );
    },
  );
});
