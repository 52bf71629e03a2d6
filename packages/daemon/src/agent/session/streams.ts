// The one place the agent reaches the stream store (@iterate/streams) from.
export { parseStreamName, type StreamStore } from "@iterate/streams";
