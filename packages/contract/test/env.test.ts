import { describe, expect, it } from "vitest";
import {
  ENV_VAR_NAME_MAX,
  ENV_VAR_VALUE_MAX_BYTES,
  ENV_VARS_MAX_PER_INSTANCE,
  envVarNameSchema,
  envVarValueSchema,
  isReservedEnvName,
  mergeMachineEnv,
  onPlatformOrigin,
  osProvidedEnv,
  RESERVED_ENV_NAMES,
} from "../src/index.ts";

const OS = osProvidedEnv({
  platformUrl: "https://os.example.com/",
  instanceId: "ins_0123456789abcdefghij",
  machineId: "mch_0123456789abcdefghij",
  machineToken: "itk_tok_0123456789abcdefghij_secret",
});

describe("env var names and values", () => {
  it("accepts POSIX-style names up to 128 characters", () => {
    for (const name of ["A", "_", "a_b", "OPENAI_API_KEY", "x1", "A".repeat(ENV_VAR_NAME_MAX)]) {
      expect(envVarNameSchema.safeParse(name).success, name).toBe(true);
    }
  });

  it("refuses empty, digit-first, dashed, dotted, spaced, non-ASCII and over-long names", () => {
    for (const name of [
      "",
      "1A",
      "A-B",
      "A.B",
      "A B",
      "Ä",
      "A=B",
      "A".repeat(ENV_VAR_NAME_MAX + 1),
    ]) {
      expect(envVarNameSchema.safeParse(name).success, name).toBe(false);
    }
  });

  it("limits values to 32768 UTF-8 bytes and refuses NUL", () => {
    expect(envVarValueSchema.safeParse("").success).toBe(true);
    expect(envVarValueSchema.safeParse("x".repeat(ENV_VAR_VALUE_MAX_BYTES)).success).toBe(true);
    expect(envVarValueSchema.safeParse("x".repeat(ENV_VAR_VALUE_MAX_BYTES + 1)).success).toBe(
      false,
    );
    // 3 bytes each: fits by characters, not by bytes.
    expect(envVarValueSchema.safeParse("€".repeat(ENV_VAR_VALUE_MAX_BYTES / 2)).success).toBe(
      false,
    );
    expect(envVarValueSchema.safeParse("a\0b").success).toBe(false);
    expect(ENV_VARS_MAX_PER_INSTANCE).toBe(200);
  });

  it("knows exactly the four reserved names", () => {
    expect([...RESERVED_ENV_NAMES].sort()).toEqual(
      [
        "ITERATE_INSTANCE_ID",
        "ITERATE_MACHINE_ID",
        "ITERATE_MACHINE_TOKEN",
        "ITERATE_PLATFORM_URL",
      ].sort(),
    );
    expect(isReservedEnvName("ITERATE_MACHINE_TOKEN")).toBe(true);
    expect(isReservedEnvName("iterate_machine_token")).toBe(false);
    expect(isReservedEnvName("ITERATE_WORKSPACE")).toBe(false);
  });
});

describe("OS-provided env", () => {
  it("points the LLM and Slack clients at the platform with the machine token", () => {
    expect(OS).toEqual({
      ITERATE_PLATFORM_URL: "https://os.example.com",
      ITERATE_INSTANCE_ID: "ins_0123456789abcdefghij",
      ITERATE_MACHINE_ID: "mch_0123456789abcdefghij",
      ITERATE_MACHINE_TOKEN: "itk_tok_0123456789abcdefghij_secret",
      OPENAI_BASE_URL: "https://os.example.com/api/llm/openai/v1",
      OPENAI_API_KEY: "itk_tok_0123456789abcdefghij_secret",
      SLACK_API_URL: "https://os.example.com/api/slack/",
      ITERATE_WORKSPACE: "~/workspace",
    });
  });
});

describe("mergeMachineEnv", () => {
  it("layers base < OS-provided < instance", () => {
    const merged = mergeMachineEnv({
      base: { PATH: "/usr/bin", HOME: "/home/m", OPENAI_BASE_URL: "from-base", ONLY_BASE: "b" },
      osProvided: OS,
      instance: { OPENAI_BASE_URL: "https://llm.example/v1", MY_VAR: "mine" },
    });
    expect(merged.PATH).toBe("/usr/bin");
    expect(merged.ONLY_BASE).toBe("b");
    expect(merged.OPENAI_BASE_URL).toBe("https://llm.example/v1");
    expect(merged.SLACK_API_URL).toBe(OS.SLACK_API_URL);
    expect(merged.MY_VAR).toBe("mine");
  });

  it("never sends the machine token to an instance's own LLM endpoint: no key unless it sets one", () => {
    const elsewhere = { OPENAI_BASE_URL: "https://llm.example/v1" };
    expect(mergeMachineEnv({ osProvided: OS, instance: elsewhere }).OPENAI_API_KEY).toBeUndefined();
    expect(
      mergeMachineEnv({
        base: { OPENAI_API_KEY: OS.OPENAI_API_KEY },
        osProvided: OS,
        instance: elsewhere,
      }).OPENAI_API_KEY,
    ).toBeUndefined();
    const own = { ...elsewhere, OPENAI_API_KEY: "sk-own" };
    expect(mergeMachineEnv({ osProvided: OS, instance: own }).OPENAI_API_KEY).toBe("sk-own");
    expect(mergeMachineEnv({ osProvided: OS, instance: {} }).OPENAI_API_KEY).toBe(
      OS.OPENAI_API_KEY,
    );
  });

  it("keeps the machine token as the key of an OPENAI_BASE_URL the instance points at the platform itself", () => {
    const platformProxy = { OPENAI_BASE_URL: "https://os.example.com/api/llm/openai/v1/" };
    expect(mergeMachineEnv({ osProvided: OS, instance: platformProxy }).OPENAI_API_KEY).toBe(
      OS.OPENAI_API_KEY,
    );
    for (const lookalike of [
      "https://os.example.com.evil.example/v1",
      "https://os.example.com@evil.example/v1",
      "http://os.example.com/api/llm/openai/v1",
      "https://os.example.com:8443/v1",
      "not a url",
    ]) {
      const merged = mergeMachineEnv({ osProvided: OS, instance: { OPENAI_BASE_URL: lookalike } });
      expect(merged.OPENAI_API_KEY, lookalike).toBeUndefined();
    }
  });

  it("takes reserved names only from osProvided, whatever base or instance say", () => {
    const hostile = Object.fromEntries(RESERVED_ENV_NAMES.map((name) => [name, "evil"]));
    const merged = mergeMachineEnv({ base: hostile, osProvided: OS, instance: hostile });
    for (const name of RESERVED_ENV_NAMES) expect(merged[name]).toBe(OS[name]);
  });

  it("leaves a reserved name out when osProvided lacks it, even if base has it", () => {
    const { ITERATE_MACHINE_TOKEN: _dropped, ...partial } = OS;
    const merged = mergeMachineEnv({
      base: { ITERATE_MACHINE_TOKEN: "stale" },
      osProvided: partial,
      instance: { ITERATE_MACHINE_TOKEN: "evil" },
    });
    expect(merged).not.toHaveProperty("ITERATE_MACHINE_TOKEN");
  });

  it("skips undefined base values (process.env) and works without a base", () => {
    const merged = mergeMachineEnv({
      base: { GONE: undefined, KEPT: "1" },
      osProvided: OS,
      instance: {},
    });
    expect(merged).not.toHaveProperty("GONE");
    expect(merged.KEPT).toBe("1");
    expect(mergeMachineEnv({ osProvided: OS, instance: {} })).toEqual(OS);
  });

  it("treats __proto__ as an ordinary name and does not touch prototypes", () => {
    const instance = JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>;
    const merged = mergeMachineEnv({ osProvided: OS, instance });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.hasOwn(merged, "__proto__")).toBe(true);
    expect(merged.constructor).toBe("y");
  });

  it("does not mutate its inputs", () => {
    const base = { A: "1" };
    const instance = { B: "2" };
    const osProvided = { ...OS };
    mergeMachineEnv({ base, osProvided, instance });
    expect([base, instance, osProvided]).toEqual([{ A: "1" }, { B: "2" }, OS]);
  });
});

describe("onPlatformOrigin: where the machine token may go", () => {
  it("is true only for the platform's exact origin", () => {
    const platform = "https://os.example.com";
    expect(onPlatformOrigin("https://os.example.com/api/slack/", platform)).toBe(true);
    expect(onPlatformOrigin("https://OS.example.com:443/x", platform)).toBe(true);
    for (const other of [
      "https://os.example.com.evil.example/",
      "https://os.example.com@evil.example/",
      "https://evil.example/?https://os.example.com",
      "http://os.example.com/",
      "https://os.example.com:8443/",
      "wss://os.example.com/",
      "",
      "os.example.com",
    ]) {
      expect(onPlatformOrigin(other, platform), other).toBe(false);
    }
    expect(onPlatformOrigin("https://os.example.com/", undefined)).toBe(false);
    expect(onPlatformOrigin(undefined, platform)).toBe(false);
  });
});
