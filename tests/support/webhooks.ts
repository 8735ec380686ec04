/** Webhook requests signed as Shopify signs them: base64 HMAC-SHA256 of the raw body. */
import { createHmac, randomUUID } from "node:crypto";

export const TEST_API_SECRET = "recur-test-api-secret";

export interface WebhookInput {
  topic: string;
  shop: string;
  payload: unknown;
  webhookId?: string;
  eventId?: string;
  triggeredAt?: string;
  apiVersion?: string;
  secret?: string;
  /** A raw body instead of JSON.stringify(payload). */
  body?: string | Uint8Array<ArrayBuffer>;
}

export function hmacOf(body: string | Uint8Array, secret = TEST_API_SECRET): string {
  return createHmac("sha256", secret).update(body).digest("base64");
}

export function webhookHeaders(
  input: WebhookInput,
  body: string | Uint8Array,
): Record<string, string> {
  return {
    "Content-Type": "application/json",
    "X-Shopify-Topic": input.topic,
    "X-Shopify-Hmac-Sha256": hmacOf(body, input.secret),
    "X-Shopify-Shop-Domain": input.shop,
    "X-Shopify-API-Version": input.apiVersion ?? "2026-10",
    "X-Shopify-Webhook-Id": input.webhookId ?? randomUUID(),
    "X-Shopify-Event-Id": input.eventId ?? randomUUID(),
    "X-Shopify-Triggered-At": input.triggeredAt ?? new Date().toISOString(),
    "X-Shopify-Name": "recur",
  };
}

/** A Request for the /webhooks route, as Shopify would send it. */
export function webhookRequest(
  input: WebhookInput,
  url = "http://localhost:3000/webhooks",
): Request {
  const body = input.body ?? JSON.stringify(input.payload);
  return new Request(url, { method: "POST", headers: webhookHeaders(input, body), body });
}

/** Posts a signed webhook to a running app over HTTP; returns the status code. */
export async function sendWebhook(appUrl: string, input: WebhookInput): Promise<number> {
  const body = input.body ?? JSON.stringify(input.payload);
  const response = await fetch(`${appUrl}/webhooks`, {
    method: "POST",
    headers: webhookHeaders(input, body),
    body,
  });
  await response.arrayBuffer();
  return response.status;
}
