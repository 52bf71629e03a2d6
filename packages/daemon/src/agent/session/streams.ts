// The one place the agent reaches the stream store from: when the store moves to its own
// package (packages/streams), only these lines change.
export { parseStreamName, type StreamStore } from "@iterate/streams";
