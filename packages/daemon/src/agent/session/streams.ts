// The one place the agent reaches the stream store from: when the store moves to its own
// package (packages/streams), only this line changes.
export type { StreamStore } from "../../streams/stream-store.ts";
