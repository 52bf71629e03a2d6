// The tests run the daemon as it ships: the esbuild bundle (bin/iterate-daemon.js refuses to run
// without it). A fresh checkout has none, so build it once before any test file (cheap when fresh).
import { ensureDaemonBundle } from "../build.mjs";

export default async function setup() {
  await ensureDaemonBundle();
}
