/** The HTML answer for dashboard errors (404, expired form, server error). */
import { AuthLayout } from "../layout.tsx";

/** A friendly error card with a way back. */
export function ErrorPage(props: { status: number; title: string; message: string }) {
  return (
    <AuthLayout
      title={props.title}
      lede={props.message}
      footer={<a href="/">Back to the dashboard</a>}
    >
      <p class="muted mono">Error {props.status}</p>
    </AuthLayout>
  );
}
