/** The sign-up and log-in pages. */
import type { Flash } from "../../middleware/flash.ts";
import { CsrfInput, Field } from "../components.tsx";
import { AuthLayout } from "../layout.tsx";

/** What both forms need to render (again, after an error). */
export type AuthPageProps = {
  csrfToken: string;
  email?: string;
  next?: string;
  flash?: Flash | null;
};

function nextQuery(next: string | undefined): string {
  return next ? `?next=${encodeURIComponent(next)}` : "";
}

/** The email field both forms share, refilled after an error. */
function EmailField({ email }: { email: string | undefined }) {
  return (
    <Field label="Email" for="email">
      <input
        id="email"
        name="email"
        type="email"
        autocomplete="email"
        required
        maxlength={254}
        value={email ?? ""}
        autofocus
      />
    </Field>
  );
}

/** /signup: create an account and its first instance. */
export function SignupPage(props: AuthPageProps) {
  return (
    <AuthLayout
      title="Create your account"
      lede="You get an instance of your own: a machine that runs your agents."
      flash={props.flash}
      footer={
        <>
          Already have an account? <a href={`/login${nextQuery(props.next)}`}>Log in</a>
        </>
      }
    >
      <form class="stack" method="post" action={`/signup${nextQuery(props.next)}`}>
        <CsrfInput token={props.csrfToken} />
        <EmailField email={props.email} />
        <Field label="Password" for="password" hint="At least 8 characters.">
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minlength={8}
            maxlength={1024}
          />
        </Field>
        <button class="btn block" type="submit">
          Create account
        </button>
      </form>
    </AuthLayout>
  );
}

/** /login: sign in with email and password. */
export function LoginPage(props: AuthPageProps) {
  return (
    <AuthLayout
      title="Log in"
      lede="Welcome back. Sign in to manage your instance."
      flash={props.flash}
      footer={
        <>
          New here? <a href={`/signup${nextQuery(props.next)}`}>Create an account</a>
        </>
      }
    >
      <form class="stack" method="post" action={`/login${nextQuery(props.next)}`}>
        <CsrfInput token={props.csrfToken} />
        <EmailField email={props.email} />
        <Field label="Password" for="password">
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            maxlength={1024}
          />
        </Field>
        <button class="btn block" type="submit">
          Log in
        </button>
      </form>
    </AuthLayout>
  );
}
