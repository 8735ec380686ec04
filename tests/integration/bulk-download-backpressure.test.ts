/**
 * The bulk result download reads from the network only as fast as the ingest takes chunks
 * (docs/decisions/050, 070): over real HTTP, a node:http server on loopback (accepted as the
 * stand-in's origin, as outside production) writes a body many times larger than the kernel's
 * socket buffers, respecting its own backpressure (`write` false: wait for `drain`). After each
 * chunk the consumer holds still until the server can write no more; the bytes the server got to
 * hand over beyond what the consumer took never exceed a fixed distance (the sockets' buffers and
 * fetch's queue), whatever the body's size. Without backpressure the server would never be held,
 * and the distance would grow to the whole body.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DOWNLOAD_LIMITS, openBulkResult } from "../../app/lib/sync/download.server.ts";

const MiB = 1024 * 1024;
/** Loopback here: tcp_rmem's maximum is 32 MiB, tcp_wmem's 4 MiB; fetch queues a little more. */
const MAX_AHEAD = 48 * MiB;
const BODY = 6 * MAX_AHEAD;
const PIECE = Buffer.alloc(64 * 1024, "x");

let server: Server;
let url: string;
let written = 0;
let waiting = false;

/**
 * Lets pending I/O run (event-loop turns, not time) until the server is waiting for `drain` and
 * three turns in a row wrote nothing more: as far ahead as the server can get while the consumer
 * holds still. Without backpressure the server never stops until the body is written.
 */
async function serverAsFarAheadAsItGets(): Promise<void> {
  let last = -1;
  let still = 0;
  while (still < 3) {
    await new Promise((resolve) => setImmediate(resolve));
    still = waiting && written === last ? still + 1 : 0;
    last = written;
  }
}

beforeAll(async () => {
  server = createServer((_, response) => {
    response.writeHead(200, { "content-type": "application/jsonl" });
    const pump = () => {
      waiting = false;
      while (written < BODY) {
        written += PIECE.length;
        if (!response.write(PIECE)) {
          waiting = true;
          response.once("drain", pump);
          return;
        }
      }
      response.end();
      waiting = true;
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/result.jsonl`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("the bulk result download's backpressure", () => {
  it("reads no further ahead of the consumer than a fixed distance, for a body six times that", async () => {
    const body = await openBulkResult(url, DEFAULT_DOWNLOAD_LIMITS, {
      production: false,
      standInUrl: url,
    });
    let received = 0;
    let maxAhead = 0;
    let blockedTimes = 0;
    for await (const chunk of body) {
      received += chunk.byteLength;
      await serverAsFarAheadAsItGets();
      if (written < BODY) blockedTimes += 1;
      maxAhead = Math.max(maxAhead, written - received);
    }
    expect(received).toBe(BODY);
    expect(written).toBe(BODY);
    // The server was held back by the consumer again and again, not once.
    expect(blockedTimes).toBeGreaterThan(100);
    expect(maxAhead).toBeLessThanOrEqual(MAX_AHEAD);
  });
});
