/**
 * The dashboard page of a session: `${ITERATE_PLATFORM_URL}/instances/${ITERATE_INSTANCE_ID}/agents/<url-encoded path>`.
 *
 * @example sessionLink(env, "slack/T1/C1/1.2"); // "https://os.example/instances/ins_1/agents/slack%2FT1%2FC1%2F1.2"
 */
export function sessionLink(env: Record<string, string>, path: string): string {
  const platform = (env.ITERATE_PLATFORM_URL ?? "").replace(/\/+$/, "");
  return `${platform}/instances/${encodeURIComponent(env.ITERATE_INSTANCE_ID ?? "")}/agents/${encodeURIComponent(path)}`;
}
