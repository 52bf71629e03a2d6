import { chmod, open } from "node:fs/promises";
import { join } from "node:path";
import { DAEMON_SECRET_PATTERN, generateDaemonSecret } from "@iterate/contract";
import { z } from "zod";
import { ensurePrivateDir, writeFileAtomic } from "./atomic-file.ts";
import { isSecureOrLoopback, SECURE_TRANSPORT_RULE } from "./net/secure-transport.ts";

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
 * Throws a `CredentialsError` naming the first missing or malformed one (never echoing a token),
 * or refusing an `http:` platform URL outside loopback.
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
  // The ping carries the daemon secret to this URL: never in the clear across a network.
  const platform = new URL(identity.platformUrl as string);
  if (!isSecureOrLoopback(platform)) {
    throw new CredentialsError(
      `ITERATE_PLATFORM_URL must use ${SECURE_TRANSPORT_RULE}: refusing ${platform.protocol}//${platform.host}`,
    );
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

/** What {@link loadOrCreateCredentials} found and did. */
export interface LoadedCredentials {
  credentials: Credentials;
  /** True when a new daemon secret was generated (first start, another machine, or a corrupt file). */
  created: boolean;
  /**
   * One line to log instead of the usual "created/reusing" line when the file needed repair:
   * it was corrupt (replaced, with a fresh secret) or had a mode other than 0600 (fixed).
   */
  notice?: string;
}

/**
 * Loads the daemon's credentials, creating the daemon secret on first start. The machine env
 * is the source of truth for identity; the file keeps the secret stable across restarts
 * (so the platform's stored copy stays valid). A file written for another machine id gets a
 * fresh secret: a secret belongs to exactly one machine.
 *
 * A corrupt file (not JSON, or not the expected shape) does not stop the daemon — that would
 * crash-loop it: the identity comes from the env anyway, so a fresh secret is started, the
 * file rewritten and the `notice` says so. A file readable by others is chmod-ed to 0600.
 * Only an I/O error (e.g. EACCES) throws a `CredentialsError`.
 *
 * @example
 * const { credentials, created, notice } = await loadOrCreateCredentials({ home, env: process.env });
 */
export async function loadOrCreateCredentials(
  options: LoadCredentialsOptions,
): Promise<LoadedCredentials> {
  const identity = readMachineEnv(options.env);
  const path = credentialsPath(options.home);
  const found = await readCredentialsFile(path);
  if (found.kind === "valid" && found.credentials.machineId === identity.machineId) {
    const existing = found.credentials;
    const credentials = { ...existing, ...identity };
    let notice: string | undefined;
    if (found.mode !== 0o600) {
      // The secret may have been readable by others; it stays valid (only this user could
      // have changed the mode), but the file goes back to owner-only at once.
      await ensurePrivateDir(join(options.home, ".iterate"));
      await chmod(path, 0o600);
      notice = `credentials: ${path} had mode ${found.mode.toString(8).padStart(4, "0")}; fixed to 0600`;
    }
    if (JSON.stringify(credentials) !== JSON.stringify(existing)) {
      await writeCredentials(options.home, credentials);
    }
    return { credentials, created: false, notice };
  }
  const credentials: Credentials = {
    ...identity,
    daemonSecret: (options.generateSecret ?? generateDaemonSecret)(),
    createdAt: new Date().toISOString(),
  };
  await writeCredentials(options.home, credentials);
  const notice =
    found.kind === "corrupt"
      ? `credentials: ${path} is malformed (${found.problem}); started a fresh daemon secret for ${identity.machineId} and rewrote the file`
      : undefined;
  return { credentials, created: true, notice };
}

type CredentialsFile =
  | { kind: "absent" }
  | { kind: "corrupt"; problem: string }
  | { kind: "valid"; credentials: Credentials; mode: number };

async function readCredentialsFile(path: string): Promise<CredentialsFile> {
  let text: string;
  let mode: number;
  try {
    const handle = await open(path, "r");
    try {
      mode = (await handle.stat()).mode & 0o777;
      text = await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "absent" };
    throw new CredentialsError(`${path} cannot be read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: "corrupt", problem: "not valid JSON" };
  }
  const parsed = credentialsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "(root)";
    return { kind: "corrupt", problem: `${field}: ${issue?.message}` };
  }
  return { kind: "valid", credentials: parsed.data, mode };
}

async function writeCredentials(home: string, credentials: Credentials): Promise<void> {
  await ensurePrivateDir(join(home, ".iterate"));
  await writeFileAtomic(credentialsPath(home), `${JSON.stringify(credentials, null, 2)}\n`, 0o600);
}
