/**
 * The instance's secrets as they may turn up in what an MCP server says (a stdio server sees the
 * whole env, an HTTP one its headers, and either may echo them), replaced by their `${NAME}`
 * reference: every value of the machine env but the few names below that are no secret.
 *
 * @example const scrub = envScrubber(runEnv); scrub("token=ghp_abc…") // "token=${GITHUB_TOKEN}"
 */
export function envScrubber(env: Readonly<Record<string, string>>): (text: string) => string {
  const secrets = new Map<string, string>();
  for (const [ref, secret] of Object.entries(env)) {
    if (!NOT_SECRET.has(ref)) secrets.set(secret, `\${${ref}}`);
  }
  return scrubber(secrets).scrub;
}

/**
 * The same for a command's output (`run_command`: an `env`, a `cat .env`, a `curl -v`), but only
 * for values named as secrets (a `_`-separated part like TOKEN, KEY, SECRET, PASSWORD, AUTH,
 * CREDENTIALS, PRIVATE, COOKIE, DSN, URI, URL), replaced by a marker that is plainly not the value
 * (`[secret $NAME]`), so ordinary output (`DEBUG=true`, ids, SHAs) is left as it is and a model
 * copying output into a file sees that it is not the value. `margin`: the longest form looked
 * for (the output cap keeps that much more before cutting, so no cut shows part of one).
 *
 * @example const { scrub } = commandOutputScrubber(runEnv); scrub("GITHUB_TOKEN=ghp_…") // "GITHUB_TOKEN=[secret $GITHUB_TOKEN]"
 */
export function commandOutputScrubber(env: Readonly<Record<string, string>>): {
  scrub(text: string): string;
  margin: number;
} {
  const secrets = new Map<string, string>();
  for (const [ref, secret] of Object.entries(env)) {
    if (!NOT_SECRET.has(ref) && SECRET_NAME.test(ref)) secrets.set(secret, `[secret $${ref}]`);
  }
  return scrubber(secrets);
}

/** A name one of whose `_`-separated parts says secret (`GITHUB_TOKEN`, `DB_PASSWORD`, `MONGODB_URI`). */
const SECRET_NAME =
  /(?:^|_)(?:TOKEN|TOKENS|SECRET|SECRETS|KEY|KEYS|APIKEY|PASSWORD|PASSWD|PASS|PWD|AUTH|CREDENTIAL|CREDENTIALS|PRIVATE|COOKIE|DSN|URI|URL|CONNECTION)(?:_|$)/i;

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
function scrubber(secrets: Map<string, string>): { scrub(text: string): string; margin: number } {
  // Built when first asked: a spec is resolved for every run, most never scrub anything.
  let pairs: Array<readonly [string, string]> | null = null;
  const forms = () =>
    (pairs ??= [...secrets]
      .flatMap(([secret, ref]) => secretForms(secret).map((form) => [form, ref] as const))
      .sort((a, b) => b[0].length - a[0].length));
  return {
    scrub: (text) => forms().reduce((out, [secret, ref]) => out.split(secret).join(ref), text),
    get margin() {
      return forms()[0]?.[0].length ?? 0;
    },
  };
}
