/**
 * The intake's durable baseline: the bare node:http server of hmac-server.ts that, before it answers
 * 200, commits the webhook (its id and body) in one INSERT to the same PostgreSQL as Recur, with
 * the server's default synchronous commit. No framework, no delivery bookkeeping, no job: the least
 * an intake that loses nothing on a crash must do, so its latency at 1,000/s is the disk's share
 * of Recur's.
 *   node bench/lib/commit-server.ts <port> <secret> <database url>
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import pg from "pg";

const [port, secret, url] = process.argv.slice(2) as [string, string, string];
// More connections than the load keeps in flight at 1,000/s, so no request waits for one.
const pool = new pg.Pool({ connectionString: url, max: 8 });
await pool.query(
  "CREATE TABLE IF NOT EXISTS bench_commit_baseline (webhook_id text PRIMARY KEY, body jsonb NOT NULL)",
);
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
      pool
        .query({
          name: "commit",
          text: "INSERT INTO bench_commit_baseline (webhook_id, body) VALUES ($1, $2)",
          values: [String(request.headers["x-shopify-webhook-id"]), body.toString("utf8")],
        })
        .then(
          () => response.writeHead(200).end(),
          () => response.writeHead(500).end(),
        );
    });
  })
  .listen(Number(port), "127.0.0.1", () => console.log("ready"));
