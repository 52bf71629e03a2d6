/** Settings: the instance's name, the git repository its machine bootstraps, its LLM token cap. */
import { CsrfInput, Field } from "../components.tsx";
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  /** The platform's default daily token cap (`LLM_DAILY_TOKEN_CAP`), shown as the placeholder. */
  defaultTokenCap: number;
};

/** /instances/:id/settings */
export function SettingsPage({ defaultTokenCap, ...layout }: Props) {
  const { instance } = layout;
  return (
    <InstanceLayout
      {...layout}
      section="settings"
      title="Settings"
      description="Name your instance, choose the repository its machine works in, and set its LLM budget."
    >
      <form class="stack" method="post" action={`/instances/${instance.id}/settings`}>
        <CsrfInput token={layout.csrfToken} />
        <section class="card">
          <div class="card-head">
            <div>
              <h2>General</h2>
            </div>
          </div>
          <div class="card-body stack-fields">
            <Field label="Instance name" for="name">
              <input
                id="name"
                name="name"
                type="text"
                required
                maxlength={100}
                value={instance.name}
              />
            </Field>
            <Field label="Instance ID" for="instance-id">
              <input id="instance-id" type="text" value={instance.id} readonly class="mono" />
            </Field>
          </div>
        </section>
        <section class="card">
          <div class="card-head">
            <div>
              <h2>Repository</h2>
              <p>The machine clones this repository into ~/workspace when it starts.</p>
            </div>
          </div>
          <div class="card-body stack-fields">
            <Field
              label="Repository URL"
              for="repoUrl"
              hint="https://, ssh:// or git@host:owner/repo.git, or file:// for local development. Leave empty for none."
            >
              <input
                id="repoUrl"
                name="repoUrl"
                type="text"
                maxlength={2048}
                value={instance.repoUrl ?? ""}
                placeholder="https://github.com/acme/agents.git"
                spellcheck={false}
              />
            </Field>
            <Field
              label="Branch, tag or commit"
              for="repoRef"
              hint="Leave empty for the default branch."
            >
              <input
                id="repoRef"
                name="repoRef"
                type="text"
                maxlength={255}
                value={instance.repoRef ?? ""}
                placeholder="main"
                spellcheck={false}
              />
            </Field>
          </div>
        </section>
        <section class="card">
          <div class="card-head">
            <div>
              <h2>LLM budget</h2>
              <p>
                Tokens the machine may use through the platform's LLM proxy per day (UTC). Past it,
                LLM calls are refused until midnight UTC.{" "}
                <a href={`/instances/${instance.id}/usage`}>See usage</a>.
              </p>
            </div>
          </div>
          <div class="card-body stack-fields">
            <Field
              label="Daily token cap"
              for="dailyTokenCap"
              hint={`A whole number of tokens. Leave empty for the platform default (${defaultTokenCap.toLocaleString("en-US")}).`}
            >
              <input
                id="dailyTokenCap"
                name="dailyTokenCap"
                type="text"
                inputmode="numeric"
                maxlength={20}
                value={instance.dailyTokenCap === null ? "" : String(instance.dailyTokenCap)}
                placeholder={String(defaultTokenCap)}
                spellcheck={false}
              />
            </Field>
          </div>
        </section>
        <div>
          <button class="btn" type="submit">
            Save settings
          </button>
        </div>
      </form>
    </InstanceLayout>
  );
}
