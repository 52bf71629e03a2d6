import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CredentialsError,
  credentialsPath,
  loadOrCreateCredentials,
  readMachineEnv,
} from "../../src/credentials.ts";
import { machineEnv, runDaemonToExit, startDaemon, tempHome } from "./support/daemon-process.ts";
import { type FakePlatform, startFakePlatform } from "./support/fake-platform.ts";

const env = machineEnv("http://127.0.0.1:1");

describe("machine env", () => {
  it("reads the four reserved ITERATE_* variables", () => {
    expect(readMachineEnv(env)).toEqual({
      platformUrl: "http://127.0.0.1:1",
      instanceId: env.ITERATE_INSTANCE_ID,
      machineId: env.ITERATE_MACHINE_ID,
      machineToken: env.ITERATE_MACHINE_TOKEN,
    });
  });

  it.each([
    ["ITERATE_PLATFORM_URL", undefined, "ITERATE_PLATFORM_URL is not set"],
    [
      "ITERATE_PLATFORM_URL",
      "ftp://platform",
      "ITERATE_PLATFORM_URL is malformed: expected an http(s) URL",
    ],
    ["ITERATE_INSTANCE_ID", "", "ITERATE_INSTANCE_ID is not set"],
    ["ITERATE_MACHINE_ID", "mch 1", "ITERATE_MACHINE_ID is malformed"],
    ["ITERATE_MACHINE_TOKEN", undefined, "ITERATE_MACHINE_TOKEN is not set"],
    ["ITERATE_MACHINE_TOKEN", "itk with spaces", "ITERATE_MACHINE_TOKEN is malformed"],
  ])("refuses %s=%j with one line naming it", (name, value, message) => {
    const broken = { ...env, [name]: value };
    expect(() => readMachineEnv(broken)).toThrow(CredentialsError);
    expect(() => readMachineEnv(broken)).toThrow(message);
  });

  it("never echoes a malformed token in the error", () => {
    const broken = { ...env, ITERATE_MACHINE_TOKEN: "secret value" };
    const error = (() => {
      try {
        readMachineEnv(broken);
      } catch (thrown) {
        return thrown as Error;
      }
    })();
    expect(error?.message).toBe(
      "ITERATE_MACHINE_TOKEN is malformed: expected a token without spaces",
    );
  });
});

describe("credentials file", () => {
  it("is created with a fresh secret on first start, directory 0700 and file 0600", async () => {
    const home = await tempHome();
    const { credentials, created } = await loadOrCreateCredentials({ home, env });
    expect(created).toBe(true);
    expect(credentials.daemonSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(credentials.daemonSecret, "base64url")).toHaveLength(32);
    expect((await stat(join(home, ".iterate"))).mode & 0o777).toBe(0o700);
    expect((await stat(credentialsPath(home))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(credentialsPath(home), "utf8"))).toEqual(credentials);
    // Written atomically: no temp file is left beside it.
    expect(await readdir(join(home, ".iterate"))).toEqual(["credentials.json"]);
  });

  it("is reused on restart, so the secret stays the same", async () => {
    const home = await tempHome();
    const first = await loadOrCreateCredentials({ home, env });
    const second = await loadOrCreateCredentials({ home, env });
    expect(second.created).toBe(false);
    expect(second.credentials.daemonSecret).toBe(first.credentials.daemonSecret);
  });

  it("follows a changed platform URL or token from the env but keeps the secret", async () => {
    const home = await tempHome();
    const first = await loadOrCreateCredentials({ home, env });
    const moved = { ...env, ITERATE_PLATFORM_URL: "https://os.example.com/" };
    const second = await loadOrCreateCredentials({ home, env: moved });
    expect(second.credentials.platformUrl).toBe("https://os.example.com");
    expect(second.credentials.daemonSecret).toBe(first.credentials.daemonSecret);
    expect(JSON.parse(await readFile(credentialsPath(home), "utf8")).platformUrl).toBe(
      "https://os.example.com",
    );
  });

  it("gets a new secret when the env names another machine", async () => {
    const home = await tempHome();
    const first = await loadOrCreateCredentials({ home, env });
    const other = { ...env, ITERATE_MACHINE_ID: "mch_other" };
    const second = await loadOrCreateCredentials({ home, env: other });
    expect(second.created).toBe(true);
    expect(second.credentials.daemonSecret).not.toBe(first.credentials.daemonSecret);
  });

  it("fails fast naming the field when the file is malformed", async () => {
    const home = await tempHome();
    await loadOrCreateCredentials({ home, env });
    const file = credentialsPath(home);
    const content = JSON.parse(await readFile(file, "utf8"));
    await writeFile(file, JSON.stringify({ ...content, daemonSecret: "short" }));
    await expect(loadOrCreateCredentials({ home, env })).rejects.toThrow(
      `${file} is malformed: daemonSecret: base64url of 32 bytes`,
    );
    await writeFile(file, "{not json");
    await expect(loadOrCreateCredentials({ home, env })).rejects.toThrow(
      `${file} is malformed: not valid JSON`,
    );
  });
});

describe("iterate-daemon start-up", () => {
  let platform: FakePlatform;
  beforeAll(async () => {
    platform = await startFakePlatform();
  });
  afterAll(() => platform.close());

  it("keeps the same secret across a restart and pings with it both times", async () => {
    const home = await tempHome();
    const first = await startDaemon({ home, env: machineEnv(platform.url) });
    const [ping1] = await platform.waitForPings(1);
    await first.stop();
    const second = await startDaemon({ home, env: machineEnv(platform.url) });
    const pings = await platform.waitForPings(2);
    await second.stop();
    expect(pings[1]?.body.secret).toBe(ping1?.body.secret);
    const onDisk = JSON.parse(await readFile(credentialsPath(home), "utf8"));
    expect(onDisk.daemonSecret).toBe(ping1?.body.secret);
    expect((await stat(credentialsPath(home))).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, ".iterate"))).mode & 0o777).toBe(0o700);
  });

  it("exits 1 with one line naming a missing variable", async () => {
    const { ITERATE_MACHINE_TOKEN: _, ...withoutToken } = machineEnv(platform.url);
    const result = await runDaemonToExit({ env: withoutToken });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("iterate-daemon: ITERATE_MACHINE_TOKEN is not set");
  });

  it("exits 1 with one line naming a malformed credentials file", async () => {
    const home = await tempHome();
    await loadOrCreateCredentials({ home, env: machineEnv(platform.url) });
    await writeFile(credentialsPath(home), "[]");
    const result = await runDaemonToExit({ home, env: machineEnv(platform.url) });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(`${credentialsPath(home)} is malformed`);
  });
});
