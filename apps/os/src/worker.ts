/** The platform worker's entry: the Hono app, its Durable Object and its Workflow. */
import { createApp } from "./app.ts";

export { InstanceDO } from "./machines/instance-do.ts";
export { MachineWorkflow } from "./machines/machine-workflow.ts";

export default createApp();
