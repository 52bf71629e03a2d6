import {
  type DaemonProcess,
  machineEnv,
  startDaemon,
} from "../../platform/support/daemon-process.ts";
import { type FakePlatform, startFakePlatform } from "../../platform/support/fake-platform.ts";
import type { MachineKey } from "../../platform/support/signed-fetch.ts";

/** A real `iterate-daemon` child process and the fake platform it pings, restartable on one HOME. */
export interface StreamsDaemon {
  /**
   * Starts the daemon on `home` (the fake platform on first use) and resolves with
   * the machine key its ping registered, which signs requests to it.
   */
  boot(home: string): Promise<MachineKey>;
  /** Where the current daemon listens ("" before the first boot). */
  url(): string;
  /** SIGKILL, resolved once the daemon has exited. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful shutdown), resolved once the daemon has exited. */
  stop(): Promise<void>;
  /** Everything the current daemon printed so far. */
  output(): string;
  /** Stops the daemon and the fake platform; for `afterEach`. */
  close(): Promise<void>;
}

/**
 * @example
 * const daemon = streamsDaemon({ ITERATE_LONG_POLL_MS: "1000" });
 * afterEach(() => daemon.close());
 * const key = await daemon.boot(await tempHome());
 */
export function streamsDaemon(env: Record<string, string> = {}): StreamsDaemon {
  let platform: FakePlatform | undefined;
  let daemon: DaemonProcess | undefined;
  return {
    async boot(home) {
      platform ??= await startFakePlatform();
      const pings = platform.pings.length;
      daemon = await startDaemon({ home, env: { ...machineEnv(platform.url), ...env } });
      const ping = (await platform.waitForPings(pings + 1)).at(-1);
      if (!ping) throw new Error("no ping");
      return { machineId: ping.body.machineId, secret: ping.body.secret };
    },
    url: () => daemon?.url ?? "",
    async kill() {
      daemon?.child.kill("SIGKILL");
      await daemon?.stop();
    },
    async stop() {
      await daemon?.stop();
    },
    output: () => daemon?.output() ?? "",
    async close() {
      await daemon?.stop();
      await platform?.close();
      daemon = undefined;
      platform = undefined;
    },
  };
}
