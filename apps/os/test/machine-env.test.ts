import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../src/db/client.ts";
import { envVarAad, setEnvVar } from "../src/db/env-vars.ts";
import { keyringFromEnv } from "../src/keyring.ts";
import { machineEnvForInstance } from "../src/machine-env.ts";
import { signUp } from "./helpers.ts";

const machine = (instanceId: string) => ({
  platformUrl: "https://os.test/",
  instanceId,
  machineId: "mch_00000000000000000000",
  machineToken: "itk_tok_00000000000000000000_secret",
});

describe("machineEnvForInstance (the env a machine receives)", () => {
  it("gives OS-provided defaults and the reserved names when the instance sets nothing", async () => {
    const user = await signUp();
    const result = await machineEnvForInstance(
      createDb(env.DB),
      await keyringFromEnv(env),
      machine(user.instance.id),
    );
    expect(result).toMatchObject({
      ITERATE_PLATFORM_URL: "https://os.test",
      ITERATE_INSTANCE_ID: user.instance.id,
      ITERATE_MACHINE_ID: "mch_00000000000000000000",
      ITERATE_MACHINE_TOKEN: "itk_tok_00000000000000000000_secret",
      OPENAI_BASE_URL: "https://os.test/api/llm/openai/v1",
    });
  });

  it("lets instance env vars override OS-provided ones and adds their own", async () => {
    const user = await signUp();
    const db = createDb(env.DB);
    const keyring = await keyringFromEnv(env);
    const input = { instanceId: user.instance.id };
    await setEnvVar(db, keyring, {
      ...input,
      name: "OPENAI_BASE_URL",
      value: "https://llm.example",
    });
    await setEnvVar(db, keyring, { ...input, name: "GITHUB_TOKEN", value: "ghp_x" });
    const result = await machineEnvForInstance(db, keyring, machine(user.instance.id));
    expect(result.OPENAI_BASE_URL).toBe("https://llm.example");
    expect(result.GITHUB_TOKEN).toBe("ghp_x");
    // The machine token is for the platform's proxy only: not sent to the instance's own endpoint.
    expect(result.OPENAI_API_KEY).toBeUndefined();
  });

  it("always takes reserved names from the platform, even if one got into the table", async () => {
    const user = await signUp();
    const keyring = await keyringFromEnv(env);
    // Bypass the API's validation, as a buggy migration or manual edit might.
    const sealed = await keyring.encrypt(
      "evil",
      envVarAad(user.instance.id, "ITERATE_MACHINE_TOKEN"),
    );
    await env.DB.prepare(
      "insert into env_vars (instance_id, name, value_encrypted, created_at, updated_at) values (?, 'ITERATE_MACHINE_TOKEN', ?, 0, 0)",
    )
      .bind(user.instance.id, sealed)
      .run();
    const result = await machineEnvForInstance(
      createDb(env.DB),
      keyring,
      machine(user.instance.id),
    );
    expect(result.ITERATE_MACHINE_TOKEN).toBe("itk_tok_00000000000000000000_secret");
  });
});
