/**
 * Slack: connect a workspace ("Add to Slack"), see the connection (team, bot, since when) and
 * disconnect it (the bot token is deleted). When the platform has no Slack app configured the
 * page says so instead of offering a button that could only fail.
 */
import { SLACK_BOT_SCOPES } from "../../slack/slack-config.ts";
import { ConfirmForm, EmptyState, Time } from "../components.tsx";
import { HashIcon } from "../icons.tsx";
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";

/** The connection as the page shows it (no token: it never leaves the worker). */
export type SlackConnection = {
  teamId: string;
  teamName: string | null;
  botUserId: string;
  connectedAt: Date;
  /** Email of the person who connected it, when still known. */
  connectedBy: string | null;
};

/** The outbox of Slack events waiting for the machine (issue 9, item 3). */
export type SlackOutboxState = {
  /** Events stored and not yet accepted by the machine's daemon. */
  depth: number;
  /** The last delivery failure in words, or null. */
  lastError: string | null;
};

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  connection: SlackConnection | null;
  /** False when SLACK_CLIENT_ID / SLACK_CLIENT_SECRET are not set on this platform. */
  configured: boolean;
  /** Rendered only when given: the events outbox fills it in. */
  outbox?: SlackOutboxState;
};

function Connected({
  connection,
  action,
  csrfToken,
}: {
  connection: SlackConnection;
  action: string;
  csrfToken: string;
}) {
  const team = connection.teamName ?? connection.teamId;
  return (
    <section class="card" data-slack-state="connected">
      <div class="card-head">
        <div>
          <h2>Connected to {team}</h2>
          <p>
            Messages that mention the bot reach this instance's machine; its agents answer here.
          </p>
        </div>
        <span class="badge ok">Connected</span>
      </div>
      <div class="card-body stack-fields">
        <dl class="facts">
          <dt>Workspace</dt>
          <dd data-testid="slack-team">{team}</dd>
          <dt>Team ID</dt>
          <dd class="mono">{connection.teamId}</dd>
          <dt>Bot user</dt>
          <dd class="mono" data-testid="slack-bot">
            {connection.botUserId}
          </dd>
          <dt>Connected</dt>
          <dd>
            <Time date={connection.connectedAt} />
            {connection.connectedBy ? ` by ${connection.connectedBy}` : ""}
          </dd>
        </dl>
        <div>
          <ConfirmForm
            action={action}
            confirm={`Disconnect ${team}? The bot token is deleted and this instance stops getting its messages.`}
            csrfToken={csrfToken}
            label="Disconnect Slack"
          />
        </div>
      </div>
    </section>
  );
}

function Outbox({ outbox }: { outbox: SlackOutboxState }) {
  return (
    <section class="card" data-slack-outbox>
      <div class="card-head">
        <div>
          <h2>Event delivery</h2>
          <p>Slack events wait here while the machine is starting or rebuilding.</p>
        </div>
        <span class={`badge ${outbox.depth === 0 ? "ok" : "warn"}`} data-testid="outbox-depth">
          {outbox.depth === 0 ? "Nothing waiting" : `${outbox.depth} waiting`}
        </span>
      </div>
      {outbox.lastError ? (
        <div class="card-body">
          <p class="muted" data-testid="outbox-last-error">
            Last delivery error: {outbox.lastError}
          </p>
        </div>
      ) : null}
    </section>
  );
}

/** /instances/:id/slack */
export function SlackPage({ connection, configured, outbox, ...layout }: Props) {
  const id = layout.instance.id;
  return (
    <InstanceLayout
      {...layout}
      section="slack"
      title="Slack"
      description="Connect a Slack workspace: your machine's agents get its messages and answer in its threads."
    >
      <div class="stack-fields">
        {connection ? (
          <Connected
            connection={connection}
            action={`/instances/${id}/slack/disconnect`}
            csrfToken={layout.csrfToken}
          />
        ) : (
          <section class="card" data-slack-state={configured ? "disconnected" : "unconfigured"}>
            {configured ? (
              <div class="empty">
                <div class="icon">
                  <HashIcon />
                </div>
                <h2>Slack is not connected</h2>
                <p>
                  Add the bot to a workspace you administer. It asks for{" "}
                  <span class="mono">{SLACK_BOT_SCOPES.join(", ")}</span>.
                </p>
                <a class="btn" href={`/slack/install?instance=${encodeURIComponent(id)}`}>
                  Add to Slack
                </a>
              </div>
            ) : (
              <EmptyState icon={<HashIcon />} title="Slack isn't configured on this platform">
                The platform has no Slack app yet: its operator sets SLACK_CLIENT_ID and
                SLACK_CLIENT_SECRET (see docs/slack.md). Then you can connect a workspace here.
              </EmptyState>
            )}
          </section>
        )}
        {outbox ? <Outbox outbox={outbox} /> : null}
      </div>
    </InstanceLayout>
  );
}
