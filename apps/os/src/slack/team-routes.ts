/**
 * Which instance a Slack team's events go to, remembered per isolate for a short while, so the
 * events edge acks a busy team without a D1 read per event.
 *
 * Only a hint: a team disconnected or moved to another instance meanwhile still reaches the old
 * instance's outbox for up to {@link TEAM_ROUTE_TTL_MS}, and that outbox re-checks the team at
 * delivery (outbox-delivery.ts) — it drops the event of a disconnected team and forwards one of a
 * team now connected elsewhere. Unknown teams are never remembered: connecting a team takes
 * effect on its very next event.
 *
 * @example
 * const routes = createTeamRoutes();
 * const instanceId = routes.get(teamId) ?? (await lookUp(teamId));
 * if (instanceId) routes.remember(teamId, instanceId);
 */

/** How long a team's instance is trusted without asking D1 again. */
export const TEAM_ROUTE_TTL_MS = 30_000;
/** Teams remembered at most; past it the map starts afresh (a bound, not an LRU). */
export const TEAM_ROUTE_MAX = 10_000;

/** Options of {@link createTeamRoutes}. */
export type TeamRoutesOptions = { ttlMs?: number; max?: number; now?: () => number };

/** The per-isolate team → instance hints; see the module comment. */
export type TeamRoutes = ReturnType<typeof createTeamRoutes>;

/** @see TeamRoutes */
export function createTeamRoutes(options: TeamRoutesOptions = {}) {
  const ttlMs = options.ttlMs ?? TEAM_ROUTE_TTL_MS;
  const max = options.max ?? TEAM_ROUTE_MAX;
  const now = options.now ?? Date.now;
  const routes = new Map<string, { instanceId: string; until: number }>();
  return {
    /** The instance last seen for the team, unless that was more than the TTL ago. */
    get(teamId: string): string | undefined {
      const route = routes.get(teamId);
      if (!route) return undefined;
      if (route.until > now()) return route.instanceId;
      routes.delete(teamId);
      return undefined;
    },
    remember(teamId: string, instanceId: string): void {
      if (routes.size >= max) routes.clear();
      routes.set(teamId, { instanceId, until: now() + ttlMs });
    },
  };
}
