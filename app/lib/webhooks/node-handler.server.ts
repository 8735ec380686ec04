/**
 * POST /webhooks straight from node:http (server.ts), without Express, Remix or a web Request:
 * the same receiveWebhook as the Remix route, on Node's own request. A profile of the intake put
 * the web Request, Express and Remix's request handling at about a quarter of the web process's
 * CPU (docs/decisions/048).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { logger } from "../../logger.server.ts";
import { receiveWebhook } from "./receive.server.ts";

/** Whether server.ts hands a request to serveWebhook. */
export const isWebhookDelivery = (request: IncomingMessage) =>
  request.method === "POST" &&
  (request.url === "/webhooks" || request.url?.startsWith("/webhooks?") === true);

export function serveWebhook(request: IncomingMessage, response: ServerResponse): void {
  const headers = {
    get(name: string): string | null {
      const value = request.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
  // A body left unread (refused, or over the limit) is not destroyed with the request: the answer
  // must still go out on its socket, which `Connection: close` then ends.
  const body = request.iterator({ destroyOnReturn: false });
  receiveWebhook({ method: request.method ?? "GET", headers, body }).then(
    (answer) => {
      response.writeHead(answer.status, answer.headers);
      response.end(answer.text ?? undefined);
    },
    (error: unknown) => {
      logger.error({ err: error }, "webhook handler failed: 500");
      if (!response.headersSent) response.writeHead(500, { Connection: "close" });
      response.end();
    },
  );
}
