/**
 * The Daytona provider in workerd, through the real `@daytonaio/sdk`, against the fake Daytona
 * of test-support/fake-daytona.ts (globalSetup, Node): every created sandbox runs a real daemon.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createDaytonaProvider, PREVIEW_TOKEN_HEADER } from "../src/machines/providers/daytona.ts";
import {
  INSTANCE_LABEL,
  MACHINE_LABEL,
  ProviderError,
  type Sandbox,
  type SandboxSpec,
} from "../src/machines/providers/provider.ts";
import type {
  FakeDaytonaContext,
  FakeSandbox,
  RecordedRequest,
} from "../test-support/fake-daytona-context.ts";

const daytona: FakeDaytonaContext = inject("fakeDaytona");
const provider = createDaytonaProvider({
  apiKey: daytona.apiKey,
  apiUrl: daytona.apiUrl,
  target: daytona.target,
  snapshot: daytona.snapshot,
  createTimeoutSeconds: 30,
});

/** What the fake recorded so far (it runs in Node; these tests run in workerd). */
async function recorded(): Promise<RecordedRequest[]> {
  return (await fetch(`${daytona.url}/__fake/requests`)).json();
}
async function fakeSandboxes(): Promise<FakeSandbox[]> {
  return (await fetch(`${daytona.url}/__fake/sandboxes`)).json();
}

/** A machine's spec; the daemon needs the reserved env and pings a platform that is not there. */
function spec(): SandboxSpec {
  const machineId = `mch_${crypto.randomUUID().slice(0, 8)}`;
  return {
    machineId,
    instanceId: "ins_daytona",
    env: {
      ITERATE_PLATFORM_URL: "http://127.0.0.1:9",
      ITERATE_INSTANCE_ID: "ins_daytona",
      ITERATE_MACHINE_ID: machineId,
      ITERATE_MACHINE_TOKEN: `itk_tok_${crypto.randomUUID()}`,
      OPENAI_BASE_URL: "http://127.0.0.1:9/api/llm/openai/v1",
    },
    labels: { "iterate.purpose": "test" },
  };
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe("Daytona provider: a created sandbox", () => {
  const machine = spec();
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await provider.create(machine);
  });

  it("runs a daemon that answers /healthz at daemonUrl", async () => {
    const res = await fetch(`${sandbox.daemonUrl}/healthz`, { headers: sandbox.headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it("carries the preview token Daytona issued as x-daytona-preview-token", async () => {
    const fake = (await fakeSandboxes()).find((s) => s.id === sandbox.externalId);
    expect(sandbox.headers).toEqual({ [PREVIEW_TOKEN_HEADER]: fake?.previewToken });
  });

  it("was asked for from the snapshot, private, never auto-stopped, with the env, labels and target", async () => {
    const create = (await recorded()).find(
      (r) =>
        r.method === "POST" &&
        r.path === "/api/sandbox" &&
        (r.body as { labels?: Record<string, string> }).labels?.[MACHINE_LABEL] ===
          machine.machineId,
    );
    expect(create?.headers.authorization).toBe(`Bearer ${daytona.apiKey}`);
    expect(create?.body).toMatchObject({
      snapshot: daytona.snapshot,
      public: false,
      autoStopInterval: 0,
      target: daytona.target,
      env: machine.env,
      labels: {
        [MACHINE_LABEL]: machine.machineId,
        [INSTANCE_LABEL]: machine.instanceId,
        "iterate.purpose": "test",
      },
    });
  });

  it("is found by its machine id, with the same daemon URL and headers", async () => {
    expect(await provider.find(machine.machineId)).toEqual(sandbox);
  });

  it("is running", async () => {
    expect(await provider.state(sandbox.externalId)).toBe("running");
  });

  it("is not missing when only its own path answers 404: the list must agree", async () => {
    const faulted = await fetch(`${daytona.url}/__fake/fail-gets`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sandboxId: sandbox.externalId, count: 1 }),
    });
    expect(faulted.status).toBe(200);
    expect(await provider.state(sandbox.externalId)).toBe("running");
  });

  it("is deleted idempotently: twice succeeds, then find is null and state missing", async () => {
    await provider.delete(sandbox.externalId);
    await provider.delete(sandbox.externalId);
    expect(await provider.find(machine.machineId)).toBeNull();
    expect(await provider.state(sandbox.externalId)).toBe("missing");
  });
});

describe("Daytona provider: nothing there", () => {
  it("find of a machine without a sandbox is null", async () => {
    expect(await provider.find("mch_nobody")).toBeNull();
  });

  it("state of a sandbox Daytona never knew is missing, and deleting it succeeds", async () => {
    expect(await provider.state("no-such-sandbox")).toBe("missing");
    await expect(provider.delete("no-such-sandbox")).resolves.toBeUndefined();
  });
});

describe("Daytona provider: errors", () => {
  it("a bad snapshot is a ProviderError (400) with Daytona's own message and no secret", async () => {
    const bad = createDaytonaProvider({ ...daytona, snapshot: "no-such-snapshot" });
    const machine = spec();
    const error = await rejection(bad.create(machine));
    expect(error.status).toBe(400);
    expect(error.message).toContain(
      "Snapshot no-such-snapshot not found. Did you add it through the Daytona Dashboard?",
    );
    expect(error.message).not.toContain(daytona.apiKey);
    expect(error.message).not.toContain(machine.env.ITERATE_MACHINE_TOKEN);
  });

  it("a sandbox whose entrypoint fails is a ProviderError with Daytona's error reason", async () => {
    const machine = spec();
    delete machine.env.ITERATE_PLATFORM_URL; // the daemon refuses to start without it
    const error = await rejection(provider.create(machine));
    const failed = (await fakeSandboxes()).find(
      (s) => s.labels[MACHINE_LABEL] === machine.machineId,
    );
    expect(failed?.state).toBe("error");
    expect(error.message).toContain(failed?.errorReason);
    expect(error.message).not.toContain(machine.env.ITERATE_MACHINE_TOKEN);
  });

  it("a sandbox that failed to start is deleted by the next find, never returned, and a new create works", async () => {
    const machine = spec();
    const platformUrl = machine.env.ITERATE_PLATFORM_URL as string;
    delete machine.env.ITERATE_PLATFORM_URL;
    await rejection(provider.create(machine));
    const mine = async () =>
      (await fakeSandboxes()).filter((s) => s.labels[MACHINE_LABEL] === machine.machineId);
    const [failed] = await mine();
    // Daytona lists a sandbox whose start failed (state `error`) until it is deleted.
    expect(failed?.state).toBe("error");

    expect(await provider.find(machine.machineId)).toBeNull();
    expect((await mine())[0]?.state).toBe("destroyed");
    const deletes = (await recorded()).filter(
      (r) => r.method === "DELETE" && r.path === `/api/sandbox/${failed?.id}`,
    );
    expect(deletes).toHaveLength(1);

    const retried = await provider.create({
      ...machine,
      env: { ...machine.env, ITERATE_PLATFORM_URL: platformUrl },
    });
    expect(retried.externalId).not.toBe(failed?.id);
    expect(await provider.find(machine.machineId)).toEqual(retried);
    await provider.delete(retried.externalId);
  });

  it("create waits a bounded time for a sandbox that never starts", async () => {
    const slow = createDaytonaProvider({
      ...daytona,
      snapshot: daytona.hangingSnapshot,
      createTimeoutSeconds: 1,
    });
    const started = Date.now();
    const error = await rejection(slow.create(spec()));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toMatch(/within 1 seconds/);
  });

  it("a wrong API key is a ProviderError (401) that does not include the key", async () => {
    const wrongKey = `dtn_wrong_${crypto.randomUUID()}`;
    const wrong = createDaytonaProvider({ ...daytona, apiKey: wrongKey });
    const calls = [() => wrong.find("mch_x"), () => wrong.create(spec()), () => wrong.delete("x")];
    for (const call of calls) {
      const error = await rejection(call());
      expect(error.status).toBe(401);
      expect(error.message).not.toContain(wrongKey);
      expect(JSON.stringify(error)).not.toContain(wrongKey);
    }
  });
});
