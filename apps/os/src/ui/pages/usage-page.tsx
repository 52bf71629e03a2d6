/**
 * Usage: the instance's LLM tokens through the platform's proxy — today against the daily cap
 * (remaining, when it resets) and the last 14 UTC days with requests, input, output and total.
 */
import { durationInWords } from "../../proxies/llm-budget.ts";
import type { UsageReport } from "../../proxies/usage-report.ts";
import { InstanceLayout, type InstanceLayoutProps } from "../layout.tsx";

type Props = Omit<InstanceLayoutProps, "section" | "title" | "children"> & {
  report: UsageReport;
  now: Date;
};

const number = new Intl.NumberFormat("en-US");
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });
const dayLabel = new Intl.DateTimeFormat("en-GB", {
  weekday: "short",
  day: "numeric",
  month: "short",
  timeZone: "UTC",
});

/** /instances/:id/usage */
export function UsagePage({ report, now, ...layout }: Props) {
  const { cap, today } = report;
  const spent = today.totalTokens >= cap;
  const settings = `/instances/${layout.instance.id}/settings`;
  return (
    <InstanceLayout
      {...layout}
      section="usage"
      title="Usage"
      description="LLM tokens your machine used through the platform, per day (UTC), against the instance's daily cap."
    >
      <section class="card" data-usage-today={today.day}>
        <div class="card-head">
          <div>
            <h2>Today</h2>
            <p>{today.day} (UTC)</p>
          </div>
          <span class={`badge ${spent ? "bad" : today.totalTokens >= cap * 0.8 ? "warn" : "ok"}`}>
            {spent ? "Budget spent" : "Within budget"}
          </span>
        </div>
        <div class="card-body stack-fields">
          <meter
            class="usage-meter"
            min={0}
            max={cap}
            low={cap * 0.8}
            high={cap * 0.95}
            optimum={0}
            value={Math.min(today.totalTokens, cap)}
            aria-label="Tokens used today"
          />
          <dl class="facts">
            <dt>Used</dt>
            <dd data-used={today.totalTokens}>
              {number.format(today.totalTokens)} tokens ({percent.format(today.totalTokens / cap)})
              in {number.format(today.requests)} requests
            </dd>
            <dt>Daily cap</dt>
            <dd data-cap={cap}>
              {number.format(cap)} tokens{" "}
              <span class="muted">
                ({report.capSource === "instance" ? "this instance's setting" : "platform default"}{" "}
                — <a href={settings}>change</a>)
              </span>
            </dd>
            <dt>Remaining</dt>
            <dd data-remaining={today.remaining}>{number.format(today.remaining)} tokens</dd>
            <dt>Resets</dt>
            <dd>
              at midnight UTC, {durationInWords(now, today.resetsAt)} (
              <time datetime={today.resetsAt.toISOString()}>{today.resetsAt.toISOString()}</time>)
            </dd>
          </dl>
          {spent ? (
            <p class="muted">
              LLM calls from the machine are refused (429 budget_exceeded) until the budget resets,
              or until you raise the cap.
            </p>
          ) : null}
        </div>
      </section>
      <section class="card">
        <div class="card-head">
          <h2>Last {report.days.length} days</h2>
          <span class="muted">tokens per UTC day, all machines</span>
        </div>
        <div class="table-wrap">
          <table class="usage-table">
            <thead>
              <tr>
                <th>Day</th>
                <th class="num">Requests</th>
                <th class="num hide-sm">Input</th>
                <th class="num hide-sm">Output</th>
                <th class="num">Total</th>
                <th>Of cap</th>
              </tr>
            </thead>
            <tbody>
              {report.days.map((d) => (
                <tr data-day={d.day} class={d.requests === 0 ? "is-empty" : undefined}>
                  <td>
                    <time datetime={d.day}>{dayLabel.format(new Date(`${d.day}T00:00:00Z`))}</time>
                  </td>
                  <td class="num">{number.format(d.requests)}</td>
                  <td class="num hide-sm">{number.format(d.inputTokens)}</td>
                  <td class="num hide-sm">{number.format(d.outputTokens)}</td>
                  <td class="num" data-total={d.totalTokens}>
                    {number.format(d.totalTokens)}
                  </td>
                  <td>
                    <meter
                      min={0}
                      max={cap}
                      value={Math.min(d.totalTokens, cap)}
                      aria-label={`${d.day}: share of today's cap`}
                    />{" "}
                    <span class="muted">{percent.format(d.totalTokens / cap)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </InstanceLayout>
  );
}
