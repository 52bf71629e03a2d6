/** The platform worker's entry: the Hono app (and, later, its Durable Object and Workflow classes). */
import { createApp } from "./app.ts";

export default createApp();
