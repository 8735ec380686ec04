/**
 * Recur's route modules behind a real HTTP server on loopback, in this test process, so that the
 * Shopify stand-in (or any HTTP client) can reach them. Requests become web Requests and go to
 * the route's loader or action, as Remix would call them.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { appPort } from "./standin.ts";

import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";

type RouteModule = {
  loader?: (args: LoaderFunctionArgs) => unknown;
  action?: (args: ActionFunctionArgs) => unknown;
};

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on the port the file's Shopify stand-in delivers webhooks to, unless told another. */
export async function startAppServer(
  routes: Record<string, RouteModule>,
  port: number = appPort(),
): Promise<AppServer> {
  const server = http.createServer(async (incoming, outgoing) => {
    try {
      const url = new URL(incoming.url ?? "/", `http://${incoming.headers.host}`);
      const route = routes[url.pathname];
      if (!route) {
        outgoing.writeHead(404).end();
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === "string") headers.set(name, value);
        else if (value) for (const item of value) headers.append(name, item);
      }
      const hasBody = incoming.method !== "GET" && incoming.method !== "HEAD";
      const request = new Request(url, {
        method: incoming.method,
        headers,
        body: hasBody ? (Readable.toWeb(incoming) as ReadableStream) : null,
        duplex: "half",
      } as RequestInit);
      const handler =
        request.method === "GET" || request.method === "HEAD" ? route.loader : route.action;
      let response: unknown;
      try {
        response = handler
          ? await handler({ request, params: {}, context: {} })
          : new Response(null, { status: 405 });
      } catch (thrown) {
        if (!(thrown instanceof Response)) throw thrown;
        response = thrown;
      }
      if (!(response instanceof Response))
        throw new Error(`${url.pathname} did not return a Response`);
      outgoing.writeHead(response.status, Object.fromEntries(response.headers));
      outgoing.end(Buffer.from(await response.arrayBuffer()));
      // A body the route did not read is drained, so the connection stays usable.
      incoming.resume();
    } catch (error) {
      outgoing.writeHead(500, { "Content-Type": "text/plain" }).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
