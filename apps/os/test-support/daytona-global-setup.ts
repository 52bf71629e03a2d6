/**
 * vitest globalSetup (Node): starts one fake Daytona (fake-daytona.ts, real daemons) for a
 * workerd project and provides its address as `inject("fakeDaytona")`. apps/os/vitest.daytona.config.ts
 * also turns it into the worker's `DAYTONA_*` bindings, so worker code run by any test of that
 * project (the provider, the MachineWorkflow) talks to the fake.
 */
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { startFakeDaytona } from "./fake-daytona.ts";
import type { FakeDaytonaContext } from "./fake-daytona-context.ts";

const SNAPSHOT = "iterate-daemon";
const HANGING_SNAPSHOT = "iterate-daemon-hanging";

export default async function setup(project: TestProject) {
  const apiKey = `dtn_${randomBytes(16).toString("hex")}`;
  const fake = await startFakeDaytona({
    apiKey,
    snapshots: [SNAPSHOT],
    hangingSnapshots: [HANGING_SNAPSHOT],
  });
  const context: FakeDaytonaContext = {
    url: fake.url,
    apiUrl: fake.apiUrl,
    apiKey,
    target: "us",
    snapshot: SNAPSHOT,
    hangingSnapshot: HANGING_SNAPSHOT,
  };
  project.provide("fakeDaytona", context);
  return () => fake.close();
}
