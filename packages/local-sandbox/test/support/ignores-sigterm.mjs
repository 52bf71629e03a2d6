// A fake daemon for stop escalation: listens like the real one, then shrugs off SIGTERM. It
// still exits when its stdin (the service's pipe) closes, so a failed test leaves nothing behind.
import { createServer } from "node:http";

process.on("SIGTERM", () => console.log("SIGTERM ignored"));
process.stdin.on("end", () => process.exit(0)).resume();
const server = createServer((_req, res) => res.end("fake"));
server.listen(0, "127.0.0.1", () => {
  console.log(`iterate-daemon listening on :${server.address().port}`);
});
