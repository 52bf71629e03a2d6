/** Dashboard: an instance's Slack page — connection state, "Add to Slack", disconnect. */
import { AppError } from "@iterate/contract";
import { Hono } from "hono";
import type { AppEnv } from "../../app-env.ts";
import { createDb } from "../../db/client.ts";
import {
  deleteSlackInstallation,
  findSlackInstallationForInstance,
  openBotToken,
} from "../../db/slack-installations.ts";
import { findUserById } from "../../db/users.ts";
import { keyringFromEnv } from "../../keyring.ts";
import { instanceObject } from "../../machines/instance-do.ts";
import { slackApiUrl, slackAppConfig } from "../../slack/slack-config.ts";
import { revokeSlackToken } from "../../slack/slack-token.ts";
import { type SlackConnection, SlackPage } from "../../ui/pages/slack-page.tsx";
import { formAction, layoutProps } from "./page-context.ts";

/** Mounted at `/instances/:instanceId/slack` behind `requireUser()` + `instanceAccess()`. */
export const slackPages = new Hono<AppEnv>()
  .get("/", async (c) => {
    const db = createDb(c.env.DB);
    const row = await findSlackInstallationForInstance(db, c.var.instance.id);
    let connection: SlackConnection | null = null;
    if (row) {
      const installer = row.installedBy ? await findUserById(db, row.installedBy) : null;
      connection = {
        teamId: row.teamId,
        teamName: row.teamName,
        botUserId: row.botUserId,
        connectedAt: row.createdAt,
        connectedBy: installer?.email ?? null,
      };
    }
    // The events outbox lives in the instance's Durable Object; the page renders without it
    // rather than fail when the object cannot answer. Shown while connected, or while events
    // from before a disconnect still wait.
    const status = await instanceObject(c.env, c.var.instance.id)
      .outboxStatus()
      .catch(() => undefined);
    const outbox = status && (connection || status.depth > 0) ? status : undefined;
    return c.html(
      <SlackPage
        {...layoutProps(c)}
        connection={connection}
        configured={slackAppConfig(c.env) !== null}
        outbox={outbox}
      />,
    );
  })
  .post("/disconnect", (c) => {
    const back = `/instances/${c.var.instance.id}/slack`;
    return formAction(c, back, async () => {
      const db = createDb(c.env.DB);
      const row = await findSlackInstallationForInstance(db, c.var.instance.id);
      if (!row) throw new AppError("not_found", "Slack is not connected.");
      // Nothing here may keep the disconnect from happening: a token that cannot be opened
      // (keys rotated badly) is deleted all the same, and said so.
      const token = await openBotToken(await keyringFromEnv(c.env), row).catch(() => null);
      const revoked =
        token === null
          ? "its token could not be read"
          : await revokeSlackToken(slackApiUrl(c.env), token);
      if (!(await deleteSlackInstallation(db, c.var.instance.id))) {
        throw new AppError("not_found", "Slack is not connected.");
      }
      return revoked === true
        ? "Disconnected Slack. The bot token is revoked at Slack and deleted here."
        : `Disconnected Slack. The bot token is deleted here, but Slack did not confirm revoking it (${revoked}); remove the app in Slack's settings to be sure.`;
    });
  });
