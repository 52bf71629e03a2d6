// The one place the agent reaches the stream store from: when the store moves to its own
// package (packages/streams), only these lines change.
export { parseStreamName } from "../../streams/stream-names.ts";
export type { StreamStore } from "../../streams/stream-store.ts";
