/**
 * The machine env a test or benchmark daemon gets (what the platform would put in the sandbox).
 * Free of vitest, so the benchmarks, which run outside it, use it too.
 *
 * @example startDaemon({ env: machineEnv(platform.url) });
 */
export function machineEnv(platformUrl: string, overrides: Record<string, string> = {}) {
  return {
    ITERATE_PLATFORM_URL: platformUrl,
    ITERATE_INSTANCE_ID: "ins_test0000000000000000",
    ITERATE_MACHINE_ID: "mch_test0000000000000000",
    ITERATE_MACHINE_TOKEN: "itk_tok_test0000000000000000_machinetokenmachinetokenmachinetoken1",
    ...overrides,
  };
}
