/**
 * The instance's secrets as they may turn up in text a person or the model reads — an MCP
 * server's error or answer, a command's output (`env`), a file that holds one — replaced by
 * their `${NAME}` reference. What counts as a secret: with `"every"` (MCP servers, whose
 * output is rare and their own) every value of the machine env except the few names below that
 * are not; with `"secret-like"` (the workspace tools, which show files and output the model
 * works with) only values named like one or shaped like a token, so `DEBUG=true` or
 * `NODE_ENV=production` does not turn every "true" in a file into `${DEBUG}`.
 *
 * @example const scrub = envScrubber(runEnv, "secret-like"); scrub("ghp_abc…") // "${GITHUB_TOKEN}"
 */
export function envScrubber(
  env: Readonly<Record<string, string>>,
  which: "every" | "secret-like" = "every",
): (text: string) => string {
  const secrets = new Map<string, string>();
  for (const [ref, secret] of Object.entries(env)) {
    if (NOT_SECRET.has(ref)) continue;
    if (which === "secret-like" && !looksSecret(ref, secret)) continue;
    secrets.set(secret, `\${${ref}}`);
  }
  return scrubber(secrets);
}

/** A name that says secret (`GITHUB_TOKEN`, `DB_PASSWORD`, `REDIS_URL`…). */
const SECRET_NAME = /TOKEN|SECRET|KEY|PASS|AUTH|CREDENTIAL|PRIVATE|COOKIE|SESSION|DSN|_URL$/i;
/** A value shaped like a token: 20+ characters without spaces, letters and digits mixed. */
const TOKEN_SHAPE = /^(?=.*[A-Za-z])(?=.*\d)[\w\-.+/=:~]{20,}$/;

function looksSecret(name: string, value: string): boolean {
  return value.length >= 8 && (SECRET_NAME.test(name) || TOKEN_SHAPE.test(value));
}

/**
 * Env names whose values are not secrets and appear in ordinary messages (paths, the platform's
 * URLs and ids): left as they are.
 */
const NOT_SECRET = new Set([
  "PATH",
  "HOME",
  "PWD",
  "OLDPWD",
  "SHELL",
  "USER",
  "LOGNAME",
  "TERM",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "HOSTNAME",
  "SHLVL",
  "_",
  "ITERATE_WORKSPACE",
  "ITERATE_PLATFORM_URL",
  "ITERATE_INSTANCE_ID",
  "ITERATE_MACHINE_ID",
  "OPENAI_BASE_URL",
  "SLACK_API_URL",
]);

/** Shortest secret (or secret line) scrubbed; shorter ones would mangle ordinary words. */
const MIN_SECRET = 4;
/** Lines of a multi-line secret (a PEM key) this long are scrubbed on their own too. */
const MIN_SECRET_LINE = 8;

/**
 * A secret as errors quote it: as is, JSON-escaped (a server echoing its request), percent-
 * encoded (a URL in fetch's errors: userinfo, path, query, form), base64. And each line of a
 * multi-line secret on its own, since a tail cut through one keeps only some of its lines.
 */
function secretForms(secret: string): string[] {
  const forms = new Set([secret]);
  const add = (form: () => string) => {
    try {
      forms.add(form());
    } catch {
      // A lone surrogate, say: encodeURIComponent throws, and no error can hold that form.
    }
  };
  add(() => JSON.stringify(secret).slice(1, -1));
  add(() => encodeURIComponent(secret));
  add(() => encodeURI(secret));
  add(() => new URLSearchParams({ v: secret }).toString().slice(2));
  add(() => {
    const url = new URL("http://h/");
    url.password = secret;
    return url.password;
  });
  add(() => new URL(`http://h/${secret}`).pathname.slice(1));
  add(() => new URL(`http://h/?${secret}`).search.slice(1));
  add(() => Buffer.from(secret).toString("base64"));
  add(() => Buffer.from(secret).toString("base64url"));
  if (secret.includes("\n")) {
    for (const line of secret.split(/\r?\n/)) {
      if (line.trim().length >= MIN_SECRET_LINE) forms.add(line.trim());
    }
  }
  return [...forms].filter((form) => form.length >= MIN_SECRET);
}

/** Replaces each secret (in each form an error could quote it) by its reference. */
function scrubber(secrets: Map<string, string>): (text: string) => string {
  // Built at the first error: a spec is resolved for every run, most never scrub anything.
  let pairs: Array<readonly [string, string]> | null = null;
  return (text) => {
    pairs ??= [...secrets]
      .flatMap(([secret, ref]) => secretForms(secret).map((form) => [form, ref] as const))
      .sort((a, b) => b[0].length - a[0].length);
    return pairs.reduce((out, [secret, ref]) => out.split(secret).join(ref), text);
  };
}
