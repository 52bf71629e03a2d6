// A fake daemon that starts but never prints its listening line: the start timeout.
console.error("fake daemon: warming up forever");
process.stdin.on("end", () => process.exit(0)).resume();
setInterval(() => {}, 1000);
