/**
 * A round-robin reverse proxy in front of Recur's web processes (http-proxy-3), as a load balancer
 * would be: the stand-in delivers webhooks to it. It does not retry: a request to a web process
 * that is down (or dies mid-request) is answered 502, and Shopify's retries must cover it. It
 * counts the webhook answers, by status, for the run's figures.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createProxyServer } from "http-proxy-3";

export interface ProxyCounts {
  /** POST /webhooks answered 2xx by a web process. */
  webhooks2xx: number;
  /** POST /webhooks answered otherwise by a web process. */
  webhooksOther: number;
  /** Requests the proxy answered 502 (web process down or connection lost). */
  badGateway: number;
}

export interface RoundRobinProxy {
  url: string;
  counts: ProxyCounts;
  close(): Promise<void>;
}

export async function startProxy(upstreams: () => string[]): Promise<RoundRobinProxy> {
  const counts: ProxyCounts = { webhooks2xx: 0, webhooksOther: 0, badGateway: 0 };
  let next = 0;
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: 30_000 });
  proxy.on("proxyRes", (proxyRes, req) => {
    if (req.method !== "POST" || !req.url?.startsWith("/webhooks")) return;
    const status = proxyRes.statusCode ?? 0;
    if (status >= 200 && status < 300) counts.webhooks2xx += 1;
    else counts.webhooksOther += 1;
  });
  proxy.on("error", (_error, _req, res) => {
    counts.badGateway += 1;
    if ("writeHead" in res && !res.headersSent) {
      res.writeHead(502, { "Content-Type": "text/plain", Connection: "close" });
      res.end("Bad gateway");
    } else {
      res.destroy();
    }
  });
  const server: Server = createServer((req, res) => {
    const targets = upstreams();
    const target = targets[next++ % targets.length];
    if (!target) {
      res.writeHead(503).end("No upstream");
      return;
    }
    proxy.web(req, res, { target });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      proxy.close();
    },
  };
}
