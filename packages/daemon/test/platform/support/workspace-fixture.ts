import { join } from "node:path";
import { createWorkspaceBootstrapper } from "../../../src/workspace/bootstrap.ts";
import { tempHome } from "./daemon-process.ts";

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: "Agent",
  GIT_AUTHOR_EMAIL: "agent@example.com",
  GIT_COMMITTER_NAME: "Agent",
  GIT_COMMITTER_EMAIL: "agent@example.com",
};

/**
 * A workspace bootstrapper over a fresh HOME, with the env a daemon's git gets there.
 * @example const { dir, workspace } = await workspaceBootstrapper(); await workspace.bootstrap({ url });
 */
export async function workspaceBootstrapper() {
  const home = await tempHome();
  const dir = join(home, "workspace");
  const env = () => ({
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    ...GIT_IDENTITY,
  });
  return { home, dir, workspace: createWorkspaceBootstrapper({ dir, env }) };
}
