/**
 * Tools: the MCP servers the workspace's `iterate.config.json` declares, as the machine runs
 * them — each with its state, its latest error in words and the tools the agents get from it —
 * and a button that starts the ones not running. Without a ready machine (or with a config the
 * machine cannot read) the page says so.
 */
import type { McpServerState, McpServerStatus } from "@iterate/contract";
import {
  CsrfInput,
  EmptyState,
  MachineUnavailable,
  type MachineUnavailableState,
} from "../components.tsx";
import { WrenchIcon } from "../icons.tsx";
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";

const STATE_BADGE: Record<McpServerState, { label: string; tone: string }> = {
  ready: { label: "Ready", tone: "ok" },
  starting: { label: "Starting", tone: "warn" },
  stopped: { label: "Stopped", tone: "off" },
  failed: { label: "Failed", tone: "bad" },
};

/** What the machine said about its MCP servers, or why it could not say. */
export type ToolsMachineState = { ok: true; servers: McpServerStatus[] } | MachineUnavailableState;

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  machine: ToolsMachineState;
};

// biome-ignore lint/suspicious/noTemplateCurlyInString: the config's reference syntax, shown as text.
const REFERENCE = "${NAME}";

const EXAMPLE = `{
  "mcpServers": {
    "linear": {
      "url": "https://mcp.linear.app/mcp",
      "headers": { "Authorization": "Bearer \${LINEAR_TOKEN}" }
    },
    "files": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."] }
  }
}`;

function ServerCard({ server }: { server: McpServerStatus }) {
  const badge = STATE_BADGE[server.state];
  return (
    <section class="card" data-mcp-server={server.name} data-state={server.state}>
      <div class="card-head">
        <div>
          <h2>
            {server.name}{" "}
            <span class={`badge ${badge.tone}`} data-testid="mcp-state">
              {badge.label}
            </span>
          </h2>
          <p>
            {server.transport === "stdio" ? "stdio" : "Streamable HTTP"} ·{" "}
            <code>{server.target}</code>
            {server.restarts > 0 ? ` · restarted ${server.restarts}×` : ""}
          </p>
        </div>
      </div>
      <div class="card-body stack">
        {server.error ? (
          <p class="session-error" data-testid="mcp-error">
            {server.state === "ready" ? "Latest failure: " : ""}
            {server.error}
            {server.retryAt ? ` (trying again at ${server.retryAt.slice(11, 19)} UTC)` : ""}
          </p>
        ) : null}
        {server.tools.length > 0 ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Tool, as the agent calls it</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {server.tools.map((tool) => (
                  <tr data-tool={tool.name}>
                    <td class="mono">{tool.name}</td>
                    <td>{tool.description || <span class="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p class="muted">
            {server.state === "ready"
              ? "This server lists no tools."
              : "No tools while it is not ready."}
          </p>
        )}
      </div>
    </section>
  );
}

/** Asks the machine to start the servers that are not running (the page itself starts nothing). */
function StartServers({ action, csrfToken }: { action: string; csrfToken: string }) {
  return (
    <section class="card" data-tools-start>
      <div class="card-head">
        <div>
          <h2>Not all servers are running</h2>
          <p>
            Servers start when an agent session needs them and stop after 10 idle minutes. Start
            them now to see their tools and any error.
          </p>
        </div>
        <form method="post" action={action}>
          <CsrfInput token={csrfToken} />
          <button class="btn small" type="submit">
            Start servers
          </button>
        </form>
      </div>
    </section>
  );
}

/** /instances/:id/tools */
export function ToolsPage({ machine, ...layout }: Props) {
  const base = `/instances/${layout.instance.id}`;
  return (
    <InstanceLayout
      {...layout}
      section="tools"
      title="Tools"
      description={`MCP servers from your repository's iterate.config.json. Every agent session can call their tools; secrets come from your env vars as ${REFERENCE}.`}
    >
      {!machine.ok ? (
        <MachineUnavailable
          instanceId={layout.instance.id}
          reason={machine.reason}
          message={machine.message}
          what="The servers run on the machine; they show"
          stateAttribute="data-tools-state"
        />
      ) : machine.servers.length === 0 ? (
        <section class="card" data-tools-state="none">
          <EmptyState icon={<WrenchIcon />} title="No MCP servers configured">
            Add <code>mcpServers</code> to <code>iterate.config.json</code> at the root of your
            repository. Put tokens in <a href={`${base}/env-vars`}>Env vars</a> and refer to them as{" "}
            <code>{REFERENCE}</code>: they are never written into the repository.
          </EmptyState>
          <div class="card-body">
            <pre class="config-example">{EXAMPLE}</pre>
          </div>
        </section>
      ) : (
        <>
          {machine.servers.some((s) => s.state === "stopped" || s.state === "failed") ? (
            <StartServers action={`${base}/tools/start`} csrfToken={layout.csrfToken} />
          ) : null}
          {machine.servers.map((server) => (
            <ServerCard server={server} />
          ))}
        </>
      )}
    </InstanceLayout>
  );
}
