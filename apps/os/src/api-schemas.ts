/**
 * zod schemas of what clients send — shared by the JSON API and the dashboard forms, so both
 * accept exactly the same input.
 */
import { envVarValueSchema } from "@iterate/contract";
import { z } from "zod";

/** Sign-up: a real-looking email and a password of at least 8 characters. */
export const signupSchema = z.object({
  email: z.email("Enter a valid email address.").max(254),
  password: z
    .string()
    .min(8, "Passwords need at least 8 characters.")
    .max(1024, "Passwords may be at most 1024 characters."),
});

/** Log-in: no password policy here, so the answer never hints at one. */
export const loginSchema = z.object({
  email: z.string().trim().min(1, "Enter your email address.").max(254),
  password: z.string().min(1, "Enter your password.").max(1024),
});

/** A human label for a token or an instance. */
const labelSchema = z
  .string()
  .trim()
  .min(1, "A name is required.")
  .max(100, "Names may be at most 100 characters.");

/** The longest expiry a token may be created with, in days. */
export const MAX_TOKEN_EXPIRY_DAYS = 3650;

/**
 * Days until a new token expires: a whole number from 1 to 3650, or `""` / `null` / absent for
 * none (a form's "Never"). Forms send it as text.
 */
const expiresInDaysSchema = z
  .union([z.number(), z.string(), z.null()])
  .transform((v) =>
    typeof v !== "string" ? v : v.trim() === "" ? null : /^\d+$/.test(v.trim()) ? Number(v) : NaN,
  )
  .pipe(
    z
      .number({ error: "Choose an expiry in whole days, or none." })
      .int("Choose an expiry in whole days, or none.")
      .min(1, "A token must last at least 1 day.")
      .max(MAX_TOKEN_EXPIRY_DAYS, `A token may last at most ${MAX_TOKEN_EXPIRY_DAYS} days.`)
      .nullable(),
  );

/** Creating an access token: a name and, optionally, how many days it lasts. */
export const createAccessTokenSchema = z.object({
  name: labelSchema,
  expiresInDays: expiresInDaysSchema.optional(),
});

/**
 * Setting an env var (the name is in the path): the value by the contract's rule (at most 32 KiB,
 * no NUL), which the daemon applies too. Naming rules live in db/env-vars.ts.
 */
export const putEnvVarSchema = z.object({ value: envVarValueSchema });

/** scp-like `user@host:path`; user and host may not start with `-` (ssh would read an option). */
const SCP_LIKE = /^(?!-)[A-Za-z0-9._-]+@(?!-)[A-Za-z0-9.-]+:(?!\/\/)[^\s]+$/;

/** Where repositories may come from: `file:` only on a development platform (development.ts). */
export type RepoUrlOptions = { allowFile: boolean };

/**
 * Whether `url` is a git remote the machine may clone: `https://host/path` (no user or token in
 * it — credentials belong in an env var), `ssh://[user@]host[:port]/path`, `user@host:path`
 * (scp-like), and on development platforms `file:///absolute/path`. A host or user starting
 * with `-` is refused everywhere (`ssh://-oProxyCommand=…` would be an ssh option).
 * @example isAllowedRepoUrl("https://github.com/acme/agents.git", { allowFile: false }) // true
 * @example isAllowedRepoUrl("https://ghp_x@github.com/acme/agents.git", { allowFile: false }) // false
 */
export function isAllowedRepoUrl(url: string, options: RepoUrlOptions): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return false;
  if (SCP_LIKE.test(url)) return true;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const hostOk = parsed.hostname !== "" && !parsed.hostname.startsWith("-");
  const path = parsed.pathname.length > 1;
  switch (parsed.protocol) {
    case "https:":
      return hostOk && parsed.username === "" && parsed.password === "" && path;
    case "ssh:":
      return hostOk && !parsed.username.startsWith("-") && parsed.password === "" && path;
    case "file:":
      return options.allowFile && parsed.hostname === "" && path;
    default:
      return false;
  }
}

/** A branch, tag or commit, following git's ref-name rules closely enough to keep shells safe. */
const REF_PATTERN = /^(?![-/.])(?!.*(?:\.\.|@\{|\/\/|\/\.|\.lock$|[/.]$))[A-Za-z0-9._/@+-]+$/;

/** `""` (an emptied form field) clears an optional setting; anything else is trimmed. */
const emptyToNull = (v: string | null) => (v === null || v.trim() === "" ? null : v.trim());

/** The largest daily token cap an instance may set (well inside a safe integer). */
export const MAX_DAILY_TOKEN_CAP = 1_000_000_000_000;

/**
 * A daily LLM token cap: a positive whole number (a form may write it `2,000,000` or
 * `2 000 000`), or `""` / `null` for the platform default.
 */
const dailyTokenCapSchema = z
  .union([z.number(), z.string(), z.null()])
  .transform((v) => {
    if (typeof v !== "string") return v;
    const digits = v.trim().replace(/[\s,_]/g, "");
    return digits === "" ? null : /^\d+$/.test(digits) ? Number(digits) : Number.NaN;
  })
  .pipe(
    z
      .number({ error: "Enter a whole number of tokens, or leave it empty for the default." })
      .int("Enter a whole number of tokens, or leave it empty for the default.")
      .positive("The daily token cap must be at least 1.")
      .max(MAX_DAILY_TOKEN_CAP, "The daily token cap may be at most 1,000,000,000,000.")
      .nullable(),
  );

/**
 * `PATCH /api/instances/:instanceId` and the Settings form: rename, point the machine at a
 * repository, set the cap. `file:` repositories only where `options.allowFile` (development).
 * @example readJson(c, instancePatchSchemaFor({ allowFile: isDevelopment(c.env) }))
 */
export const instancePatchSchemaFor = (options: RepoUrlOptions) =>
  z
    .object({
      name: labelSchema.optional(),
      repoUrl: z
        .string()
        .nullable()
        .transform(emptyToNull)
        .pipe(
          z
            .string()
            .max(2048, "Repository URLs may be at most 2048 characters.")
            .refine(
              (url) => isAllowedRepoUrl(url, options),
              options.allowFile
                ? "Use an https://, ssh://, git@host:path or file:/// repository URL without a user or password."
                : "Use an https://, ssh:// or git@host:path repository URL without a user or password.",
            )
            .nullable(),
        )
        .optional(),
      repoRef: z
        .string()
        .nullable()
        .transform(emptyToNull)
        .pipe(
          z
            .string()
            .max(255, "Refs may be at most 255 characters.")
            .regex(REF_PATTERN, "That is not a valid branch, tag or commit name.")
            .nullable(),
        )
        .optional(),
      dailyTokenCap: dailyTokenCapSchema.optional(),
    })
    .strict();

/** The production rules ({@link instancePatchSchemaFor} without `file:`). */
export const instancePatchSchema = instancePatchSchemaFor({ allowFile: false });

/** A validated instance patch. */
export type InstancePatchInput = z.infer<typeof instancePatchSchema>;
