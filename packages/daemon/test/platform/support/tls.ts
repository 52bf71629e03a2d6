import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { tempDir } from "./temp.ts";

const exec = promisify(execFile);

/** A key and a self-signed certificate for 127.0.0.1 that no trust store accepts. */
export interface SelfSignedCert {
  key: string;
  cert: string;
}

/**
 * Makes a fresh self-signed certificate with `openssl` (P-256, one day, SAN IP:127.0.0.1):
 * an https server with it is reachable, but only a client that turned off TLS checks talks to it.
 *
 * @example
 * const { key, cert } = await selfSignedCert();
 * createServer({ key, cert }, handler).listen(0, "127.0.0.1");
 */
export async function selfSignedCert(): Promise<SelfSignedCert> {
  const dir = await tempDir("tls-");
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  await exec("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-keyout",
    keyFile,
    "-out",
    certFile,
  ]);
  return { key: await readFile(keyFile, "utf8"), cert: await readFile(certFile, "utf8") };
}
