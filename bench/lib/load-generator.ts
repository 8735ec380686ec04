/**
 * The intake benchmarks' load generator, in a process of its own (bench/lib/intake-load.ts starts
 * it): signed orders/updated webhooks over keep-alive connections, each with its own webhook id,
 * written as raw HTTP/1.1 on node:net and the answers read with a minimal parser, so that the
 * generator costs little of the machine it shares with what it measures.
 *
 *   node bench/lib/load-generator.ts '<json: {port, connections, seconds, rate?}>'
 *
 * Two modes:
 * - closed loop (no `rate`): each connection sends its next delivery as soon as the previous one
 *   is answered; latency from each request's write.
 * - open loop (`rate`): deliveries are due evenly, one every 1/rate s, and each goes out on the
 *   first free connection at or after its due time; latency counts from the due time, so a
 *   delivery that waited for a connection (the server slow to answer) counts that wait too.
 *   autocannon's `overallRate`, used before, sends each connection's share of a second back to
 *   back at the start of that second (a burst at full speed, then silence), and its correction
 *   for coordinated omission assumes one request per millisecond per connection; neither is a
 *   steady 1,000/s (docs/decisions/066).
 *
 * Prints one JSON line: accepted (2xx), others (non-2xx, errors), perSecond, p50, p90, p99, max
 * (ms), sent, and the generator's CPU per request (µs).
 */
import { createHmac, randomUUID } from "node:crypto";
import net from "node:net";
import { BENCH_API_SECRET } from "./app-env.ts";
import { body as payload, SHOP } from "./intake-payload.ts";

interface Options {
  port: number;
  connections: number;
  seconds: number;
  rate?: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as Options;
const body = Buffer.from(payload);
const hmac = createHmac("sha256", BENCH_API_SECRET).update(body).digest("base64");
const fixedHead =
  `POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\n` +
  `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
  `X-Shopify-Topic: orders/updated\r\nX-Shopify-Hmac-Sha256: ${hmac}\r\n` +
  `X-Shopify-Shop-Domain: ${SHOP}\r\nX-Shopify-API-Version: 2026-10\r\n`;

const latencies: number[] = [];
let accepted = 0;
let others = 0;
let sent = 0;
let running = true;
let outstanding = 0;

const HEADER_END = Buffer.from("\r\n\r\n");
const CHUNKED_END = Buffer.from("0\r\n\r\n");

/** One keep-alive connection; `send` writes a delivery and calls back with its status (0: lost). */
class Connection {
  socket!: net.Socket;
  busy = false;
  private pending: Buffer | null = null;
  private done: ((status: number) => void) | null = null;

  constructor() {
    this.open();
  }

  private open() {
    this.pending = null;
    this.socket = net.connect({ port: options.port, host: "127.0.0.1", noDelay: true });
    this.socket.on("data", (chunk: Buffer) => this.read(chunk));
    this.socket.on("error", () => {});
    this.socket.on("close", () => {
      if (this.done) this.finish(0);
      if (running) this.open();
    });
  }

  send(done: (status: number) => void) {
    this.busy = true;
    this.done = done;
    const head = `${fixedHead}X-Shopify-Webhook-Id: ${randomUUID()}\r\nX-Shopify-Event-Id: ${randomUUID()}\r\nX-Shopify-Triggered-At: ${new Date().toISOString()}\r\n\r\n`;
    this.socket.cork();
    this.socket.write(head);
    this.socket.write(body);
    this.socket.uncork();
    sent++;
  }

  private read(chunk: Buffer) {
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    const headEnd = data.indexOf(HEADER_END);
    if (headEnd < 0) {
      this.pending = data;
      return;
    }
    const head = data.toString("latin1", 0, headEnd).toLowerCase();
    const length = /\r\ncontent-length: *(\d+)/.exec(head);
    const complete = length
      ? data.length >= headEnd + 4 + Number(length[1])
      : !head.includes("transfer-encoding: chunked") ||
        data.subarray(data.length - CHUNKED_END.length).equals(CHUNKED_END);
    if (!complete) {
      this.pending = data;
      return;
    }
    this.pending = null;
    const status = Number(data.toString("latin1", 9, 12));
    const close = head.includes("\r\nconnection: close");
    this.finish(status);
    if (close) this.socket.destroy();
  }

  private finish(status: number) {
    const done = this.done;
    this.done = null;
    this.busy = false;
    done?.(status);
  }
}

const connections = Array.from({ length: options.connections }, () => new Connection());
const record = (from: number) => (status: number) => {
  outstanding--;
  latencies.push(performance.now() - from);
  if (status >= 200 && status < 300) accepted++;
  else others++;
};

const cpuBefore = process.cpuUsage();
const start = performance.now();
const end = start + options.seconds * 1000;

if (options.rate) {
  // Open loop: delivery i is due at start + i / rate; whatever is due goes out on free connections.
  const interval = 1000 / options.rate;
  let next = 0;
  const dispatch = () => {
    const now = performance.now();
    while (running && start + next * interval <= Math.min(now, end)) {
      const connection = connections.find((c) => !c.busy);
      if (!connection) return; // the rest wait (their latency counts from when they were due)
      const due = start + next * interval;
      next++;
      outstanding++;
      connection.send((status) => {
        record(due)(status);
        dispatch();
      });
    }
  };
  const tick = () => {
    if (performance.now() >= end) return stop();
    dispatch();
    setTimeout(tick, 1);
  };
  tick();
} else {
  // Closed loop: every connection sends again as soon as it is answered.
  const loop = (connection: Connection) => {
    if (!running) return;
    const from = performance.now();
    outstanding++;
    connection.send((status) => {
      record(from)(status);
      if (performance.now() < end) loop(connection);
      else stop();
    });
  };
  for (const connection of connections) loop(connection);
  setTimeout(stop, options.seconds * 1000);
}

let stopped = false;
function stop() {
  if (stopped) return;
  stopped = true;
  // Answers already on their way are waited for (at most 5 s), then everything is closed.
  const deadline = performance.now() + 5000;
  const finish = () => {
    if (outstanding > 0 && performance.now() < deadline) return void setTimeout(finish, 5);
    running = false;
    const elapsed = (Math.min(performance.now(), end) - start) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies.length ? Number(latencies[Math.floor(q * (latencies.length - 1))]!.toFixed(1)) : 0;
    process.stdout.write(
      `${JSON.stringify({
        accepted,
        others: others + outstanding,
        sent,
        perSecond: accepted / elapsed,
        p50: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        max: at(1),
        cpuPerRequestUs: Math.round((cpu.user + cpu.system) / Math.max(1, sent)),
      })}\n`,
    );
    for (const connection of connections) connection.socket.destroy();
    process.exit(0);
  };
  finish();
}
