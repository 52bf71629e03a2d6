// A relative import, not `@iterate/daemon/bundle`: this package does not (yet) depend on
// @iterate/daemon, and the bundle helper is plain JavaScript that runs with bare node.
import { ensureDaemonBundle } from "../../daemon/build.mjs";

/**
 * The daemon bundle, rebuilt first when a daemon or contract source is newer than it
 * (`packages/daemon/build.mjs`). Called per create, so `pnpm dev` picks up daemon edits.
 *
 * @example
 * spawn(process.execPath, [await defaultDaemonBundle(), "--home", home]);
 */
export function defaultDaemonBundle(): Promise<string> {
  return ensureDaemonBundle();
}
