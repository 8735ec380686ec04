/**
 * The intake baseline: a bare node:http server that reads the body, verifies the Shopify HMAC and
 * answers 200. No framework, no database: the ceiling of "accept a webhook" on this machine.
 *   node bench/lib/hmac-server.ts <port> <secret>
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";

const [port, secret] = process.argv.slice(2) as [string, string];
http
  .createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const expected = createHmac("sha256", secret).update(Buffer.concat(chunks)).digest();
      const given = Buffer.from(String(request.headers["x-shopify-hmac-sha256"] ?? ""), "base64");
      const ok = given.length === expected.length && timingSafeEqual(given, expected);
      response.writeHead(ok ? 200 : 401).end();
    });
  })
  .listen(Number(port), "127.0.0.1", () => console.log("ready"));
