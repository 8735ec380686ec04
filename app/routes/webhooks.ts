/**
 * POST /webhooks: every topic Recur subscribes to, compliance topics included
 * (shopify.app.toml). Verifies with Shopify's library (HMAC and headers, never a session: see
 * validateWebhook), records the delivery and queues its job in one statement, and answers at once;
 * the worker does the work.
 *
 * 405 non-POST · 413 body over 1 MiB · 401 bad HMAC (nothing recorded) · 400 missing headers, a
 * body that is not JSON, or a shop that is not a myshopify.com domain · 200 recorded (or already).
 */
import type { ActionFunctionArgs } from "@remix-run/node";
import { WebhookType, WebhookValidationErrorReason } from "@shopify/shopify-api";
import { pool } from "../db.server.ts";
import { priorityForDelivery } from "../lib/webhooks/fairness.server.ts";
import { recordDelivery } from "../lib/webhooks/intake.server.ts";
import { readBodyWithin } from "../lib/webhooks/request-body.server.ts";
import { logger } from "../logger.server.ts";
import { validateWebhook } from "../shopify.server.ts";

export const MAX_WEBHOOK_BYTES = 1024 * 1024;
const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

const plain = (status: number, message: string, headers: Record<string, string> = {}) =>
  new Response(message, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...headers },
  });

export async function loader() {
  return plain(405, "Webhooks are delivered with POST");
}

export async function action({ request }: ActionFunctionArgs) {
  const started = performance.now();
  if (request.method !== "POST") return plain(405, "Webhooks are delivered with POST");

  const body = await readBodyWithin(request, MAX_WEBHOOK_BYTES);
  if (!body.ok) {
    // The rest of the body is not read: the connection cannot carry another request.
    return plain(413, `Webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes`, {
      Connection: "close",
    });
  }

  const rawBody = new TextDecoder().decode(body.bytes);
  const webhook = await validateWebhook({ rawBody, rawRequest: request });
  if (!webhook.valid) {
    return webhook.reason === WebhookValidationErrorReason.InvalidHmac
      ? plain(401, "The webhook's HMAC does not match its body")
      : plain(400, `Not a Shopify webhook (${webhook.reason})`);
  }
  // Recur subscribes to webhooks, not to events (whose headers differ).
  if (webhook.webhookType !== WebhookType.Webhooks) {
    return plain(400, "Not a Shopify webhook (events are not subscribed to)");
  }
  try {
    JSON.parse(rawBody);
  } catch {
    return plain(400, "The webhook body is not JSON");
  }
  // Shopify names shops by their myshopify.com domain; anything else is not a delivery from it.
  if (!SHOP_DOMAIN.test(webhook.domain)) {
    return plain(400, "X-Shopify-Shop-Domain is not a myshopify.com domain");
  }
  const topic = request.headers.get("X-Shopify-Topic")!;
  const triggeredAt = webhook.triggeredAt ? new Date(webhook.triggeredAt) : null;
  const result = await recordDelivery(
    pool,
    {
      webhookId: webhook.webhookId,
      eventId: webhook.eventId ?? null,
      topic,
      shopDomain: webhook.domain,
      apiVersion: webhook.apiVersion,
      subscriptionName: webhook.name ?? null,
      triggeredAt: triggeredAt && !Number.isNaN(triggeredAt.getTime()) ? triggeredAt : null,
      rawBody,
    },
    priorityForDelivery(webhook.domain),
  );
  logger.info(
    {
      shop: webhook.domain,
      topic,
      deliveryId: webhook.webhookId,
      outcome: result.outcome,
      durationMs: Math.round(performance.now() - started),
    },
    "webhook accepted",
  );
  return new Response(null, { status: 200 });
}
