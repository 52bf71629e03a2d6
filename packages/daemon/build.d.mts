// Types of build.mjs (plain JavaScript, so it runs with bare node before anything is built).

/** Absolute path of the daemon bundle, `packages/daemon/dist/iterate-daemon.mjs`. */
export const DAEMON_BUNDLE_PATH: string;
/** Builds the bundle (esbuild), atomically replacing the old one. */
export function buildDaemonBundle(): Promise<string>;
/** True when a daemon or contract source is newer than the bundle (or it does not exist). */
export function isDaemonBundleStale(): Promise<boolean>;
/** The bundle's path, built first when stale. */
export function ensureDaemonBundle(): Promise<string>;
/**
 * The esbuild options of a daemon bundle; the benchmarks build their servers with them.
 * `external`: packages left to Node's resolution at run time.
 */
export function bundleOptions(options: {
  entry: string;
  outfile: string;
  external?: string[];
}): import("esbuild").BuildOptions;
