/**
 * vitest globalSetup (Node): starts one fake Slack (fake-slack.ts) for the workerd project and
 * provides its address and OAuth client as `inject("fakeSlack")`. apps/os/vitest.config.ts turns
 * it into the worker's `SLACK_*` bindings, so the install flow and the Slack proxy talk to it.
 * Tests share it: each uses its own team ids (`?team=` on the authorize URL).
 */
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { startFakeSlack } from "./fake-slack.ts";
import type { FakeSlackContext } from "./fake-slack-context.ts";

export default async function setup(project: TestProject) {
  const fake = await startFakeSlack({
    clientId: `${Date.now()}.${randomBytes(4).readUInt32BE()}`,
    clientSecret: randomBytes(16).toString("hex"),
  });
  const context: FakeSlackContext = {
    url: fake.url,
    apiUrl: fake.apiUrl,
    authorizeUrl: fake.authorizeUrl,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
  };
  project.provide("fakeSlack", context);
  return () => fake.close();
}
