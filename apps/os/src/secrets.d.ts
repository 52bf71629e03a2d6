// The worker's secrets, typed by hand on top of the generated `Env` (wrangler.toml says why):
// .dev.vars locally, `wrangler secret put` in production (docs/deploy.md).
declare namespace Cloudflare {
  interface Env {
    /** base64 of 32 random bytes: seals daemon secrets, env var values, Slack tokens. */
    ENCRYPTION_KEY: string;
    /** The key being rotated out; still decrypts. Set only during a rotation. */
    ENCRYPTION_KEY_PREVIOUS?: string;
    /** At least 32 characters: HMAC-SHA256 key every password passes through before PBKDF2. */
    PASSWORD_PEPPER: string;
    /** At least 32 characters: enables `/api/admin/*` (key rotation) for `Bearer <ADMIN_TOKEN>`. */
    ADMIN_TOKEN?: string;
    /** Shared secret of packages/local-sandbox (`MACHINE_PROVIDER=local`). */
    LOCAL_SANDBOX_SECRET?: string;
    /** Daytona API key (`MACHINE_PROVIDER=daytona`). */
    DAYTONA_API_KEY?: string;
    /** The real LLM provider key; only the LLM proxy uses it (503 `llm_not_configured` without). */
    OPENAI_API_KEY?: string;
    /** Verifies `X-Slack-Signature` on `/edge/slack/events`. */
    SLACK_SIGNING_SECRET?: string;
    /** The Slack app's OAuth client id and secret ("Add to Slack"). */
    SLACK_CLIENT_ID?: string;
    SLACK_CLIENT_SECRET?: string;
  }
}
