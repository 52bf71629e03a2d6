/** Settings: the instance's name and the git repository its machine bootstraps. */
import { CsrfInput, Field } from "../components.tsx";
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children">;

/** /instances/:id/settings */
export function SettingsPage(layout: Props) {
  const { instance } = layout;
  return (
    <InstanceLayout
      {...layout}
      section="settings"
      title="Settings"
      description="Name your instance and choose the repository its machine works in."
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
        <div>
          <button class="btn" type="submit">
            Save settings
          </button>
        </div>
      </form>
    </InstanceLayout>
  );
}
