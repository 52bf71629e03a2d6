/** Access tokens: create (shown once, optionally expiring), list, revoke. */
import type { AccessTokenRow } from "../../db/schema.ts";
import { ConfirmForm, CsrfInput, EmptyState, Field, Time } from "../components.tsx";
import { KeyIcon } from "../icons.tsx";
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";

/** The expiries the create form offers, in days ("" = never). */
const EXPIRY_CHOICES: { days: string; label: string }[] = [
  { days: "", label: "Never" },
  { days: "7", label: "7 days" },
  { days: "30", label: "30 days" },
  { days: "90", label: "90 days" },
  { days: "365", label: "1 year" },
];

/** Active, revoked, or expired (its `expires_at` has passed). */
function TokenStatus({ token, now }: { token: AccessTokenRow; now: Date }) {
  if (token.revokedAt) {
    return (
      <span class="badge off" title={token.revokedAt.toISOString()}>
        Revoked
      </span>
    );
  }
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) {
    return (
      <span class="badge off" title={token.expiresAt.toISOString()}>
        Expired
      </span>
    );
  }
  return <span class="badge ok">Active</span>;
}

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  tokens: AccessTokenRow[];
  /** The token just created: rendered once, in the response to the create form only. */
  created?: { name: string; token: string } | null;
};

/** /instances/:id/access-tokens */
export function AccessTokensPage({ tokens, created, ...layout }: Props) {
  const base = `/instances/${layout.instance.id}/access-tokens`;
  const now = new Date();
  return (
    <InstanceLayout
      {...layout}
      section="access-tokens"
      title="Access tokens"
      description={
        <>
          Tokens let scripts use the JSON API for this instance with{" "}
          <code>Authorization: Bearer itk_…</code>. A token is shown once, when you create it.
        </>
      }
    >
      {created ? (
        <section class="callout" aria-live="polite">
          <h2>Copy your new token “{created.name}” now</h2>
          <p class="muted">
            For your security it will not be shown again. Store it somewhere safe, like a password
            manager or your CI's secret store.
          </p>
          <div class="reveal-box">
            <code id="new-token" data-testid="new-token">
              {created.token}
            </code>
            <button class="btn secondary small" type="button" data-copy="new-token">
              Copy
            </button>
          </div>
        </section>
      ) : null}
      <section class="card">
        <div class="card-head">
          <div>
            <h2>Create a token</h2>
            <p>Name it after where it will be used.</p>
          </div>
        </div>
        <div class="card-body">
          <form class="inline" method="post" action={base}>
            <CsrfInput token={layout.csrfToken} />
            <Field label="Name" for="token-name">
              <input
                id="token-name"
                name="name"
                type="text"
                required
                maxlength={100}
                placeholder="e.g. GitHub Actions"
              />
            </Field>
            <div class="field narrow">
              <label for="token-expiry">Expires</label>
              <select id="token-expiry" name="expiresInDays">
                {EXPIRY_CHOICES.map((choice) => (
                  <option value={choice.days} selected={choice.days === "90"}>
                    {choice.label}
                  </option>
                ))}
              </select>
            </div>
            <button class="btn" type="submit">
              Create token
            </button>
          </form>
        </div>
      </section>
      <section class="card">
        <div class="card-head">
          <h2>Tokens</h2>
          <span class="muted">{tokens.length === 1 ? "1 token" : `${tokens.length} tokens`}</span>
        </div>
        {tokens.length === 0 ? (
          <EmptyState icon={<KeyIcon />} title="No access tokens yet">
            Create one above to call the API from a script, CI job or your terminal.
          </EmptyState>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Status</th>
                  <th class="hide-sm">Created</th>
                  <th class="hide-sm">Last used</th>
                  <th class="hide-sm">Expires</th>
                  <th>
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => (
                  <tr class={t.revokedAt ? "is-revoked" : ""} data-token-id={t.id}>
                    <td>
                      <div>{t.name}</div>
                      <div class="muted mono">{t.kind === "machine" ? "machine token" : t.id}</div>
                    </td>
                    <td>
                      <TokenStatus token={t} now={now} />
                    </td>
                    <td class="hide-sm">
                      <Time date={t.createdAt} />
                    </td>
                    <td class="hide-sm">
                      <Time date={t.lastUsedAt} empty="never" />
                    </td>
                    <td
                      class="hide-sm"
                      data-expires={t.expiresAt ? t.expiresAt.toISOString() : "never"}
                    >
                      <Time date={t.expiresAt} empty="never" />
                    </td>
                    <td class="actions">
                      {t.revokedAt ? null : (
                        <ConfirmForm
                          action={`${base}/${t.id}/revoke`}
                          confirm={`Revoke “${t.name}”? Anything using it stops working immediately.`}
                          csrfToken={layout.csrfToken}
                          label="Revoke"
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </InstanceLayout>
  );
}
