import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DAEMON_SECRET_PATTERN, generateDaemonSecret } from "@iterate/contract";
import { z } from "zod";
import { ensurePrivateDir, writeFileAtomic } from "./atomic-file.ts";

/** Who this machine is and where its platform lives, as the platform put it in the machine env. */
export interface MachineIdentity {
  platformUrl: string;
  instanceId: string;
  machineId: string;
  machineToken: string;
}

/** Everything the daemon needs to talk to the platform and to verify the platform's requests. */
export interface Credentials extends MachineIdentity {
  /** base64url of 32 random bytes; the HMAC key of the platform's signed requests. */
  daemonSecret: string;
  createdAt: string;
}

/** A missing or malformed machine env or credentials file. The message is one line, naming the culprit. */
export class CredentialsError extends Error {
  override name = "CredentialsError";
}

const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, "letters, digits, _ or - (at most 128)");
const platformUrlSchema = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: "an http(s) URL",
  })
  .transform((value) => value.replace(/\/+$/, ""));
const tokenSchema = z.string().regex(/^\S{8,512}$/, "a token without spaces");
const secretSchema = z.string().regex(DAEMON_SECRET_PATTERN, "base64url of 32 bytes");

/** Machine env variable → what it must look like. Order = the order problems are reported in. */
const MACHINE_ENV = {
  ITERATE_PLATFORM_URL: ["platformUrl", platformUrlSchema],
  ITERATE_INSTANCE_ID: ["instanceId", idSchema],
  ITERATE_MACHINE_ID: ["machineId", idSchema],
  ITERATE_MACHINE_TOKEN: ["machineToken", tokenSchema],
} as const;

const credentialsFileSchema = z.object({
  platformUrl: platformUrlSchema,
  instanceId: idSchema,
  machineId: idSchema,
  machineToken: tokenSchema,
  daemonSecret: secretSchema,
  createdAt: z.string(),
});

/** `<home>/.iterate/credentials.json` */
export function credentialsPath(home: string): string {
  return join(home, ".iterate", "credentials.json");
}

/**
 * Reads the four reserved `ITERATE_*` variables the platform gives every machine.
 * Throws a `CredentialsError` naming the first missing or malformed one (never echoing a token).
 *
 * @example
 * const identity = readMachineEnv(process.env); // { platformUrl, instanceId, machineId, machineToken }
 */
export function readMachineEnv(env: Record<string, string | undefined>): MachineIdentity {
  const identity: Partial<Record<keyof MachineIdentity, string>> = {};
  for (const [name, [key, schema]] of Object.entries(MACHINE_ENV)) {
    const raw = env[name];
    if (raw === undefined || raw === "") throw new CredentialsError(`${name} is not set`);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new CredentialsError(
        `${name} is malformed: expected ${parsed.error.issues[0]?.message}`,
      );
    }
    identity[key] = parsed.data;
  }
  return identity as MachineIdentity;
}

/** Options of {@link loadOrCreateCredentials}. */
export interface LoadCredentialsOptions {
  /** The daemon's HOME; credentials live in `<home>/.iterate/credentials.json`. */
  home: string;
  /** The daemon's process env, holding the reserved `ITERATE_*` variables. */
  env: Record<string, string | undefined>;
  /** Injected for tests; defaults to 32 crypto-random bytes. */
  generateSecret?: () => string;
}

/**
 * Loads the daemon's credentials, creating the daemon secret on first start. The machine env
 * is the source of truth for identity; the file keeps the secret stable across restarts
 * (so the platform's stored copy stays valid). A file written for another machine id gets a
 * fresh secret: a secret belongs to exactly one machine.
 *
 * @example
 * const { credentials, created } = await loadOrCreateCredentials({ home, env: process.env });
 */
export async function loadOrCreateCredentials(
  options: LoadCredentialsOptions,
): Promise<{ credentials: Credentials; created: boolean }> {
  const identity = readMachineEnv(options.env);
  const path = credentialsPath(options.home);
  const existing = await readCredentialsFile(path);
  if (existing && existing.machineId === identity.machineId) {
    const credentials = { ...existing, ...identity };
    if (JSON.stringify(credentials) !== JSON.stringify(existing)) {
      await writeCredentials(options.home, credentials);
    }
    return { credentials, created: false };
  }
  const credentials: Credentials = {
    ...identity,
    daemonSecret: (options.generateSecret ?? generateDaemonSecret)(),
    createdAt: new Date().toISOString(),
  };
  await writeCredentials(options.home, credentials);
  return { credentials, created: true };
}

async function readCredentialsFile(path: string): Promise<Credentials | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CredentialsError(`${path} cannot be read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialsError(`${path} is malformed: not valid JSON`);
  }
  const parsed = credentialsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(root)";
    throw new CredentialsError(`${path} is malformed: ${field}: ${issue?.message}`);
  }
  return parsed.data;
}

async function writeCredentials(home: string, credentials: Credentials): Promise<void> {
  await ensurePrivateDir(join(home, ".iterate"));
  await writeFileAtomic(credentialsPath(home), `${JSON.stringify(credentials, null, 2)}\n`, 0o600);
}
