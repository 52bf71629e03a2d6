// The platform tests serve their fakes with this; the helper itself is @iterate/streams' own.
export { serveApp } from "@iterate/streams/testing";
