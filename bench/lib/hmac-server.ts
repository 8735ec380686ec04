/**
 * The intake baselines: a bare node:http server that reads the body, verifies the Shopify HMAC and
 * answers 200. No framework.
 *   node bench/lib/hmac-server.ts <port> <secret>
 * With no database: the ceiling of "accept a webhook" on this machine.
 *   node bench/lib/hmac-server.ts <port> <secret> <database url>
 * With a database, the durable baseline (docs/decisions/083): before it answers, it commits the
 * webhook (its id and body) in one INSERT, with the server's default synchronous commit. No
 * delivery bookkeeping, no job: the least an intake that loses nothing on a crash must do, so its
 * latency at 1,000/s is the disk's share of Recur's.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import pg from "pg";

const [port, secret, url] = process.argv.slice(2) as [string, string, string | undefined];
// More connections than the load keeps in flight at 1,000/s, so no request waits for one.
const pool = url ? new pg.Pool({ connectionString: url, max: 8 }) : null;
await pool?.query(
  "CREATE TABLE IF NOT EXISTS bench_commit_baseline (webhook_id text PRIMARY KEY, body jsonb NOT NULL)",
);

function commit(request: http.IncomingMessage, body: Buffer): Promise<unknown> {
  if (!pool) return Promise.resolve();
  return pool.query({
    name: "commit",
    text: "INSERT INTO bench_commit_baseline (webhook_id, body) VALUES ($1, $2)",
    values: [String(request.headers["x-shopify-webhook-id"]), body.toString("utf8")],
  });
}

http
  .createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const expected = createHmac("sha256", secret).update(body).digest();
      const given = Buffer.from(String(request.headers["x-shopify-hmac-sha256"] ?? ""), "base64");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        response.writeHead(401).end();
        return;
      }
      commit(request, body).then(
        () => response.writeHead(200).end(),
        (error: unknown) => {
          console.error(`not committed: ${String(error)}`);
          response.writeHead(500).end();
        },
      );
    });
  })
  .listen(Number(port), "127.0.0.1", () => console.log("ready"));
