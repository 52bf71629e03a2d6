import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { listenLocal } from "./http-fake.ts";

/** A private git host: smart HTTP through `git http-backend`, behind HTTP Basic auth. */
export interface GitHttpServer {
  /** Base URL; a bare repo `<root>/x.git` is at `${url}/x.git`. */
  url: string;
  /** Basic-auth passwords presented, in order (to prove the credential helper sent the token). */
  passwordsSeen: string[];
  /** `METHOD url` of every request (an absolute URL when git used it as a proxy). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves the bare repositories under `root` over HTTP on 127.0.0.1, answering 401 unless the
 * request carries Basic auth with `password === token` (any username, as GitHub does).
 *
 * @example
 * const host = await startGitHttpServer({ root: dirname(repo.dir), token: "ghp_test" });
 * // clone `${host.url}/origin.git`
 */
export async function startGitHttpServer(options: {
  root: string;
  token: string;
}): Promise<GitHttpServer> {
  const passwordsSeen: string[] = [];
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const header = req.headers.authorization ?? "";
    const basic = /^Basic (.+)$/.exec(header)?.[1];
    const password = basic
      ? Buffer.from(basic, "base64").toString("utf8").split(":").slice(1).join(":")
      : null;
    if (password !== null) passwordsSeen.push(password);
    if (password !== options.token) {
      req.resume();
      res.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end("unauthorized");
      return;
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    // RFC 3875 CGI: git http-backend reads the request from env + stdin, answers headers + body.
    const cgi = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_PROJECT_ROOT: options.root,
        GIT_HTTP_EXPORT_ALL: "1",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        REQUEST_METHOD: req.method ?? "GET",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        ...(req.headers["content-encoding"]
          ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] }
          : {}),
        REMOTE_USER: "git",
        REMOTE_ADDR: "127.0.0.1",
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString("utf8").split("\r\n")) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on("close", () => res.end());
  });
  const http = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${http.port}`,
    passwordsSeen,
    requests,
    close: http.close,
  };
}
