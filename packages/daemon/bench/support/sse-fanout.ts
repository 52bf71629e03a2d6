import http from "node:http";
import { performance } from "node:perf_hooks";
import { createStream, message, send, target } from "./load.ts";
import type { Signer } from "./signer.ts";

/**
 * (c) SSE fan-out: `readers` SSE connections tail one stream. Latency: a writer
 * appends `paced` 100 B messages one at a time (1 ms apart); a sample is the
 * time from sending an append until the last reader has it. Throughput: a
 * writer keeps `window` appends in flight for `burst` more messages; the figure
 * is messages × readers delivered per second.
 */
export async function sseFanout(
  baseUrl: string,
  options: { readers: number; paced: number; burst: number; window: number; burstMs?: number },
  sign: Signer,
): Promise<{ latencies: number[]; delivered: number; deliveriesPerSecond: number }> {
  const stream = await createStream(baseUrl, `bench-sse-${Date.now()}`, sign);
  const streamPath = target(stream.url);
  const sseUrl = `${stream.url}?offset=${stream.tail}&live=sse`;
  const total = options.paced + options.burst;
  const received = new Array<number>(total).fill(0);
  const doneAt = new Array<number>(total).fill(0);
  let complete = 0;
  let wake: () => void = () => {};
  const requests: http.ClientRequest[] = [];
  const readerHeaders = await Promise.all(
    Array.from({ length: options.readers }, () => sign("GET", target(sseUrl))),
  );
  await Promise.all(
    readerHeaders.map(
      (headers) =>
        new Promise<void>((ready, reject) => {
          const request = http.get(sseUrl, { agent: false, headers }, (response) => {
            if (response.statusCode !== 200) return reject(new Error(`sse ${response.statusCode}`));
            let pending = "";
            let isReady = false;
            response.setEncoding("utf8");
            response.on("data", (text: string) => {
              pending += text;
              const cut = pending.lastIndexOf("\n\n");
              if (cut === -1) return;
              const events = pending.slice(0, cut);
              pending = pending.slice(cut + 2);
              if (!isReady && events.includes("upToDate")) {
                isReady = true;
                ready();
              }
              const now = performance.now();
              for (const match of events.matchAll(/m(\d+)\|/g)) {
                const id = Number(match[1]);
                received[id] = (received[id] ?? 0) + 1;
                if (received[id] === options.readers) {
                  doneAt[id] = now;
                  complete++;
                  wake();
                }
              }
            });
          });
          request.on("error", reject);
          requests.push(request);
        }),
    ),
  );
  const until = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${complete}/${count} messages reached every reader`)),
        30_000,
      );
      wake = () => {
        if (complete < count) return;
        clearTimeout(timer);
        resolve();
      };
      wake();
    });

  const paced = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sentAt: number[] = [];
  for (let i = 0; i < options.paced; i++) {
    const body = message(i);
    const headers = { "content-type": "text/plain", ...(await sign("POST", streamPath, body)) };
    sentAt[i] = performance.now();
    const ack = await send(paced, "POST", stream.url, headers, body);
    if (ack.status !== 204) throw new Error(`append ${i}: ${ack.status}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await until(options.paced);
  paced.destroy();

  const burst = new http.Agent({ keepAlive: true, maxSockets: options.window });
  const burstHeaders: Record<string, string>[] = [];
  for (let id = options.paced; id < total; id++) {
    burstHeaders[id] = {
      "content-type": "text/plain",
      ...(await sign("POST", streamPath, message(id))),
    };
  }
  const started = performance.now();
  // A slow server gets fewer messages, not a longer benchmark.
  const stopAt = started + (options.burstMs ?? 5000);
  let next = options.paced;
  await Promise.all(
    Array.from({ length: options.window }, async () => {
      while (next < total && performance.now() < stopAt) {
        const id = next++;
        const ack = await send(burst, "POST", stream.url, burstHeaders[id], message(id));
        if (ack.status !== 204) throw new Error(`append ${id}: ${ack.status}`);
      }
    }),
  );
  await until(next);
  burst.destroy();
  for (const request of requests) request.destroy();
  const burstDone = Math.max(...doneAt.slice(options.paced, next));
  return {
    latencies: doneAt.slice(0, options.paced).map((at, i) => at - (sentAt[i] as number)),
    delivered: options.readers * (next - options.paced),
    deliveriesPerSecond:
      (options.readers * (next - options.paced)) / ((burstDone - started) / 1000),
  };
}
