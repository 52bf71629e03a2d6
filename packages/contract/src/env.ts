import { z } from "zod";
import { utf8 } from "./encoding.ts";

/** Valid env var names: a letter or `_`, then letters, digits, `_`. */
export const ENV_VAR_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Longest env var name, in characters. */
export const ENV_VAR_NAME_MAX = 128;
/** Largest env var value, in UTF-8 bytes. */
export const ENV_VAR_VALUE_MAX_BYTES = 32768;
/** Most env vars one instance may hold. */
export const ENV_VARS_MAX_PER_INSTANCE = 200;

/** Names the platform sets on every machine; an instance can never set or override them. */
export const RESERVED_ENV_NAMES = [
  "ITERATE_PLATFORM_URL",
  "ITERATE_INSTANCE_ID",
  "ITERATE_MACHINE_ID",
  "ITERATE_MACHINE_TOKEN",
] as const;

/** One of {@link RESERVED_ENV_NAMES}. */
export type ReservedEnvName = (typeof RESERVED_ENV_NAMES)[number];

/**
 * True for a reserved name (exact match; env names are case-sensitive).
 * @example isReservedEnvName("ITERATE_MACHINE_TOKEN") // true
 */
export function isReservedEnvName(name: string): name is ReservedEnvName {
  return (RESERVED_ENV_NAMES as readonly string[]).includes(name);
}

/** zod schema of an env var name (reserved names pass; the platform refuses them with `reserved_name`). */
export const envVarNameSchema = z
  .string()
  .min(1)
  .max(ENV_VAR_NAME_MAX)
  .regex(
    ENV_VAR_NAME_PATTERN,
    "must start with a letter or _ and contain only letters, digits and _",
  );

/** zod schema of an env var value: at most 32 KiB of UTF-8, no NUL (a process env cannot hold one). */
export const envVarValueSchema = z
  .string()
  .refine((value) => !value.includes("\0"), "must not contain NUL characters")
  .refine(
    (value) => utf8(value).length <= ENV_VAR_VALUE_MAX_BYTES,
    `must be at most ${ENV_VAR_VALUE_MAX_BYTES} bytes`,
  );

/** What osProvidedEnv needs to know about a machine. */
export interface OsProvidedEnvOptions {
  /** The platform's public origin, e.g. `https://os.iterate.com` (a trailing `/` is ignored). */
  platformUrl: string;
  instanceId: string;
  machineId: string;
  /** The machine's `itk_` access token. */
  machineToken: string;
}

/**
 * The env the platform gives every machine: the reserved names plus OS defaults
 * (LLM and Slack proxies pointed at the platform, authenticated by the machine token).
 * @example osProvidedEnv({ platformUrl, instanceId, machineId, machineToken }).OPENAI_BASE_URL
 */
export function osProvidedEnv(options: OsProvidedEnvOptions): Record<string, string> {
  const platform = options.platformUrl.replace(/\/+$/, "");
  return {
    ITERATE_PLATFORM_URL: platform,
    ITERATE_INSTANCE_ID: options.instanceId,
    ITERATE_MACHINE_ID: options.machineId,
    ITERATE_MACHINE_TOKEN: options.machineToken,
    OPENAI_BASE_URL: `${platform}/api/llm/openai/v1`,
    OPENAI_API_KEY: options.machineToken,
    SLACK_API_URL: `${platform}/api/slack/`,
    ITERATE_WORKSPACE: "~/workspace",
  };
}

/** Inputs of the one env merge rule, lowest precedence first. */
export interface MergeMachineEnvOptions {
  /** The daemon's own process env (undefined values are skipped). */
  base?: Readonly<Record<string, string | undefined>>;
  /** From osProvidedEnv: OS defaults, and the only source of reserved names. */
  osProvided: Readonly<Record<string, string>>;
  /** The instance's env vars. */
  instance: Readonly<Record<string, string>>;
}

/**
 * The single merge rule used by platform and daemon: base < OS-provided < instance,
 * except reserved names, which always come from `osProvided` (and are absent if it lacks them),
 * and `OPENAI_API_KEY`, which is dropped while it is the machine token and `OPENAI_BASE_URL` is
 * not on the platform's origin (an instance's own endpoint without a key of its own).
 * @example
 * mergeMachineEnv({ base: process.env, osProvided, instance: { OPENAI_BASE_URL: "https://llm.example" } })
 */
export function mergeMachineEnv(options: MergeMachineEnvOptions): Record<string, string> {
  // A Map, not object assignment: a name like `__proto__` is a valid env name.
  const merged = new Map<string, string>();
  for (const layer of [options.base ?? {}, options.osProvided, options.instance]) {
    for (const [name, value] of Object.entries(layer)) {
      if (typeof value === "string" && !isReservedEnvName(name)) merged.set(name, value);
    }
  }
  for (const name of RESERVED_ENV_NAMES) {
    const value = Object.hasOwn(options.osProvided, name) ? options.osProvided[name] : undefined;
    if (typeof value === "string") merged.set(name, value);
  }
  // The default OPENAI_API_KEY is the machine token, good only at the platform's proxy: an
  // instance that points OPENAI_BASE_URL elsewhere without a key of its own must not send it there.
  const token = merged.get("ITERATE_MACHINE_TOKEN");
  if (
    token !== undefined &&
    merged.get("OPENAI_API_KEY") === token &&
    !onPlatformOrigin(merged.get("OPENAI_BASE_URL"), merged.get("ITERATE_PLATFORM_URL"))
  ) {
    merged.delete("OPENAI_API_KEY");
  }
  return Object.fromEntries(merged);
}

/**
 * Whether `url` is on the platform's origin: the only place the machine token may be sent (the
 * platform's proxies and routes take it; anywhere else would be handed this machine's
 * credential). The one rule behind `mergeMachineEnv`'s `OPENAI_API_KEY`, the daemon's Slack
 * token and its MCP HTTP servers. Anything unparsable is not.
 * @example onPlatformOrigin(env.SLACK_API_URL, env.ITERATE_PLATFORM_URL) // → send the machine token
 */
export function onPlatformOrigin(
  url: string | undefined,
  platformUrl: string | undefined,
): boolean {
  if (!url || !platformUrl || !URL.canParse(url) || !URL.canParse(platformUrl)) return false;
  return new URL(url).origin === new URL(platformUrl).origin;
}
