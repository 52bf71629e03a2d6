/**
 * Picks the provider adapter from the worker's config. New machines use `MACHINE_PROVIDER`;
 * an existing machine is always handled by the provider that made it (`machines.provider`), so
 * switching the config never orphans a sandbox.
 */
import { AppError } from "@iterate/contract";
import type { Bindings } from "../app-env.ts";
import { createDaytonaProvider } from "./providers/daytona.ts";
import { createLocalProvider } from "./providers/local.ts";
import type { MachineProvider, ProviderName } from "./providers/provider.ts";

/** The provider new machines are created with. Throws a clear error for a bad `MACHINE_PROVIDER`. */
export function configuredProviderName(env: Pick<Bindings, "MACHINE_PROVIDER">): ProviderName {
  const name = env.MACHINE_PROVIDER;
  if (name === "local" || name === "daytona") return name;
  throw new AppError(
    "internal_error",
    `MACHINE_PROVIDER must be "local" or "daytona", not ${JSON.stringify(name)}.`,
  );
}

/**
 * @example const provider = providerFor(env, machine.provider); await provider.delete(machine.externalId);
 */
export function providerFor(env: Bindings, name: ProviderName): MachineProvider {
  if (name === "local") {
    return createLocalProvider({
      url: env.LOCAL_SANDBOX_URL,
      secret: required(env, "LOCAL_SANDBOX_SECRET"),
    });
  }
  return createDaytonaProvider({
    apiKey: required(env, "DAYTONA_API_KEY"),
    apiUrl: env.DAYTONA_API_URL,
    target: env.DAYTONA_TARGET,
    snapshot: env.DAYTONA_SNAPSHOT,
  });
}

function required(env: Bindings, name: "LOCAL_SANDBOX_SECRET" | "DAYTONA_API_KEY"): string {
  const value = env[name];
  if (!value) throw new AppError("internal_error", `${name} is not set; see docs/deploy.md.`);
  return value;
}
