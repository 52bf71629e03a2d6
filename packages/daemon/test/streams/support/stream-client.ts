import { signRequest } from "@iterate/contract";
import { type StreamClient, streamClient } from "@iterate/streams/testing";
import type { MachineKey } from "../../platform/support/signed-fetch.ts";

/**
 * The package's test stream client with every request signed with the machine
 * key, as the platform signs them: the real daemon serves `/agents` behind
 * `platformAuth`. `base()` is re-read per request so a restarted daemon can move.
 *
 * @example
 * const client = signedStreamClient(() => daemon.url(), key);
 * await client.send("PUT", "/agents/s", { headers: { "content-type": "application/json" } });
 */
export function signedStreamClient(base: () => string, key: MachineKey): StreamClient {
  return streamClient(base, {
    async authorize({ method, path, body }) {
      const token = await signRequest({ ...key, method, url: path, body });
      return { authorization: `Bearer ${token}` };
    },
  });
}
