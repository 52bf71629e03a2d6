import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { envUpdateSchema } from "@iterate/contract";
import { ensurePrivateDir, writeFileAtomic } from "../atomic-file.ts";

/** The instance's env vars as last sent by the platform, persisted across restarts. */
export interface InstanceEnvStore {
  /** The current instance env (a frozen snapshot; replaced wholesale, never mutated). */
  get(): Readonly<Record<string, string>>;
  /** Persists `env` (0600, atomically), then makes it current. */
  replace(env: Record<string, string>): Promise<void>;
}

/** A malformed env file; the message is one line naming the file and the problem. */
export class InstanceEnvFileError extends Error {
  override name = "InstanceEnvFileError";
}

/**
 * Opens the instance env store at `file` (usually `<home>/.iterate/env.json`); an absent
 * file is an empty env. A malformed file fails fast rather than silently dropping secrets.
 *
 * @example
 * const store = await createInstanceEnvStore({ file: join(home, ".iterate", "env.json") });
 * await store.replace({ GITHUB_TOKEN: "…" });
 */
export async function createInstanceEnvStore(options: { file: string }): Promise<InstanceEnvStore> {
  let current = Object.freeze(await load(options.file));
  // Writes are serialized so the file always ends up holding the last accepted env.
  let writing: Promise<void> = Promise.resolve();
  return {
    get: () => current,
    replace(env) {
      const next = Object.freeze(Object.fromEntries(Object.entries(env)));
      const write = writing.then(async () => {
        await ensurePrivateDir(dirname(options.file));
        const body = { env: next, updatedAt: new Date().toISOString() };
        await writeFileAtomic(options.file, `${JSON.stringify(body, null, 2)}\n`, 0o600);
        current = next;
      });
      writing = write.catch(() => {});
      return write;
    },
  };
}

async function load(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new InstanceEnvFileError(`${file} cannot be read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InstanceEnvFileError(`${file} is malformed: not valid JSON`);
  }
  const parsed = envUpdateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // Name the field, never the value: values are secrets.
    throw new InstanceEnvFileError(
      `${file} is malformed: ${issue?.path.map(String).join(".") || "(root)"}: ${issue?.message}`,
    );
  }
  return parsed.data.env;
}
