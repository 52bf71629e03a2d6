/** Access tokens: create (shown once), list, revoke. */
import type { AccessTokenRow } from "../../db/schema.ts";
import { ConfirmForm, CsrfInput, EmptyState, Field, Time } from "../components.tsx";
import { KeyIcon } from "../icons.tsx";
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  tokens: AccessTokenRow[];
  /** The token just created: rendered once, in the response to the create form only. */
  created?: { name: string; token: string } | null;
};

/** /instances/:id/access-tokens */
export function AccessTokensPage({ tokens, created, ...layout }: Props) {
  const base = `/instances/${layout.instance.id}/access-tokens`;
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
                      {t.revokedAt ? (
                        <span class="badge off" title={t.revokedAt.toISOString()}>
                          Revoked
                        </span>
                      ) : (
                        <span class="badge ok">Active</span>
                      )}
                    </td>
                    <td class="hide-sm">
                      <Time date={t.createdAt} />
                    </td>
                    <td class="hide-sm">
                      <Time date={t.lastUsedAt} empty="never" />
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
