import { chmod, readdir, readFile, stat, writeFile } from "node:fs/promises";
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

  it.each([
    "https://os.example.com",
    "http://localhost:8787",
    "http://127.0.0.1:9",
    "http://127.3.4.5",
    "http://[::1]:8787",
  ])("accepts the platform URL %s (https, or http to loopback)", (url) => {
    expect(readMachineEnv({ ...env, ITERATE_PLATFORM_URL: url }).platformUrl).toBe(url);
  });

  it.each([
    "http://os.example.com",
    "http://10.0.0.1:8787",
    "http://128.0.0.1",
    "http://127.0.0.1.nip.io",
    "http://localhost.example.com",
    "http://[::2]",
  ])("refuses the plain-http platform URL %s outside loopback", (url) => {
    expect(() => readMachineEnv({ ...env, ITERATE_PLATFORM_URL: url })).toThrow(
      /^ITERATE_PLATFORM_URL must use https \(http only to loopback: 127\.0\.0\.0\/8, ::1, localhost\): refusing http:\/\//,
    );
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

  it.each([
    ["not JSON", () => "{not json", "not valid JSON"],
    [
      "a wrong field",
      (c: object) => JSON.stringify({ ...c, daemonSecret: "short" }),
      "daemonSecret: base64url of 32 bytes",
    ],
    ["not an object", () => "[]", "(root): Invalid input: expected object, received array"],
    ["empty", () => "", "not valid JSON"],
  ])(
    "replaces a corrupt file (%s) with a fresh secret and says so in one line",
    async (_, corrupt, problem) => {
      const home = await tempHome();
      const first = await loadOrCreateCredentials({ home, env });
      const file = credentialsPath(home);
      await writeFile(file, corrupt(first.credentials));
      const second = await loadOrCreateCredentials({ home, env });
      expect(second.created).toBe(true);
      expect(second.credentials.machineId).toBe(env.ITERATE_MACHINE_ID);
      expect(second.credentials.daemonSecret).not.toBe(first.credentials.daemonSecret);
      expect(second.notice).toBe(
        `credentials: ${file} is malformed (${problem}); started a fresh daemon secret for ${env.ITERATE_MACHINE_ID} and rewrote the file`,
      );
      expect(JSON.parse(await readFile(file, "utf8"))).toEqual(second.credentials);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      // Rewritten: the next start reuses the new secret quietly.
      const third = await loadOrCreateCredentials({ home, env });
      expect(third).toMatchObject({ created: false, notice: undefined });
      expect(third.credentials.daemonSecret).toBe(second.credentials.daemonSecret);
    },
  );

  it.each(["0644", "0666", "0400", "0700"])(
    "fixes an existing file with mode %s to 0600, keeping the secret",
    async (octal) => {
      const mode = Number.parseInt(octal, 8);
      const home = await tempHome();
      const first = await loadOrCreateCredentials({ home, env });
      await chmod(credentialsPath(home), mode);
      await chmod(join(home, ".iterate"), 0o755);
      const second = await loadOrCreateCredentials({ home, env });
      expect(second.created).toBe(false);
      expect(second.credentials.daemonSecret).toBe(first.credentials.daemonSecret);
      expect(second.notice).toBe(
        `credentials: ${credentialsPath(home)} had mode ${octal}; fixed to 0600`,
      );
      expect((await stat(credentialsPath(home))).mode & 0o777).toBe(0o600);
      expect((await stat(join(home, ".iterate"))).mode & 0o777).toBe(0o700);
    },
  );
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

  it("starts despite a corrupt credentials file: one line, a fresh secret, the file rewritten", async () => {
    const home = await tempHome();
    const earlier = platform.pings.length;
    const first = await startDaemon({ home, env: machineEnv(platform.url) });
    const before = (await platform.waitForPings(earlier + 1)).at(-1);
    await first.stop();
    await writeFile(credentialsPath(home), '{"daemonSecret": tru');
    const count = platform.pings.length;
    const second = await startDaemon({ home, env: machineEnv(platform.url) });
    const after = (await platform.waitForPings(count + 1)).at(-1);
    await second.stop();
    const notices = second
      .output()
      .split("\n")
      .filter((line) => line.includes("malformed"));
    expect(notices).toEqual([
      `credentials: ${credentialsPath(home)} is malformed (not valid JSON); started a fresh daemon secret for ${machineEnv("").ITERATE_MACHINE_ID} and rewrote the file`,
    ]);
    expect(after?.body.secret).not.toBe(before?.body.secret);
    expect(after?.body.machineId).toBe(machineEnv("").ITERATE_MACHINE_ID);
    const onDisk = JSON.parse(await readFile(credentialsPath(home), "utf8"));
    expect(onDisk.daemonSecret).toBe(after?.body.secret);
    expect((await stat(credentialsPath(home))).mode & 0o777).toBe(0o600);
  });

  it("fixes a credentials file left readable by others to 0600 at start", async () => {
    const home = await tempHome();
    await loadOrCreateCredentials({ home, env: machineEnv(platform.url) });
    await chmod(credentialsPath(home), 0o644);
    const daemon = await startDaemon({ home, env: machineEnv(platform.url) });
    await daemon.waitForOutput(/fixed to 0600/);
    await daemon.stop();
    expect((await stat(credentialsPath(home))).mode & 0o777).toBe(0o600);
  });
});
