import { afterEach } from "vitest";
import { type AgentMachine, startAgentMachine } from "./agent-machine.ts";
import { type FakeSlack, startFakeSlack } from "./fake-slack.ts";

/**
 * The agent machines (and a fake Slack of the test's own) a test starts, all stopped after it.
 * @example const pool = machinesPerTest(); … const m = await pool.start({ slack: await pool.slack() });
 */
export function machinesPerTest() {
  const machines: AgentMachine[] = [];
  let slack: FakeSlack | null = null;
  afterEach(async () => {
    await Promise.all(machines.splice(0).map((m) => m.stop()));
    await slack?.close();
    slack = null;
  });
  return {
    async start(options?: Parameters<typeof startAgentMachine>[0]): Promise<AgentMachine> {
      const m = await startAgentMachine(options);
      machines.push(m);
      return m;
    },
    /** A fake Slack shared by the test's machines (a "rebuilt" one sees the same workspace). */
    async slack(): Promise<FakeSlack> {
      slack ??= await startFakeSlack();
      return slack;
    },
  };
}
