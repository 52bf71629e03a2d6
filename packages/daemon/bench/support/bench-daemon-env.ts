/**
 * The process env a benchmark starts the daemon bundle with: a free port and the machine env
 * the platform would give it, pointed at a fake platform (test/platform/support/fake-platform.ts).
 *
 * @example spawn(process.execPath, [bundle, "--home", home], { env: benchDaemonEnv(platform.url) });
 */
export function benchDaemonEnv(platformUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    PORT: "0",
    ITERATE_PLATFORM_URL: platformUrl,
    ITERATE_INSTANCE_ID: "ins_bench000000000000000",
    ITERATE_MACHINE_ID: "mch_bench000000000000000",
    ITERATE_MACHINE_TOKEN: "itk_tok_bench000000000000000_benchtokenbenchtokenbenchtoken12",
  };
}
