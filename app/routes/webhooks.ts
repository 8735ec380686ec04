/**
 * POST /webhooks: every topic Recur subscribes to, compliance topics included
 * (shopify.app.toml), through Remix: `remix vite:dev` and the tests. `npm start` (server.ts) hands
 * POST /webhooks to node:http's handler instead (app/lib/webhooks/node-handler.server.ts); both
 * run the same receiveWebhook (app/lib/webhooks/receive.server.ts: what each status means).
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "../lib/webhooks/receive.server.ts";

export async function loader() {
  return new Response("Webhooks are delivered with POST", {
    status: 405,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const answer = await receiveWebhook({
    method: request.method,
    headers: request.headers,
    body: request.body as AsyncIterable<Uint8Array> | null,
  });
  return new Response(answer.text, { status: answer.status, headers: answer.headers });
}
