/**
 * The machine's own view (its /ui) inside the dashboard: a platform page that frames the
 * proxied page. The machine wrote that page, so it never becomes the top-level page on the
 * platform's address: framed `sandbox="allow-scripts"` it can neither navigate this page nor
 * open windows or send forms, and this page's CSP (`frame-src 'self'`) keeps the frame on the
 * platform. What it can still reach is its own machine, through the proxy's three routes — so a
 * fake "log in again" form in it could send what is typed to that machine, which is why the
 * page says who wrote it (a separate origin for machine pages is the real fix).
 */
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  /** The proxied page: `/instances/:id/machine-ui/<capability>/ui[?session=…]`. */
  src: string;
};

/** /instances/:id/machine-ui[?session=…] */
export function MachineUiPage({ src, ...layout }: Props) {
  return (
    <InstanceLayout {...layout} section="agents" title="Machine's own view">
      <p class="muted" data-machine-ui-notice>
        Served by this instance's machine, not by the platform: it cannot reach your account, and
        nothing in it ever asks for your password.
      </p>
      <iframe
        class="machine-frame"
        data-machine-ui
        title="The machine's own view"
        src={src}
        sandbox="allow-scripts"
        referrerpolicy="no-referrer"
      />
    </InstanceLayout>
  );
}
