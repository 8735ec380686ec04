/**
 * Verifies a webhook whose body was hashed as it streamed in (request-body.server.ts): the checks
 * of `@shopify/shopify-api`'s `webhooks.validate`, in its order and with its reasons, on a digest
 * instead of a body string (docs/decisions/033). `webhooks.validate` takes the whole body as one
 * string and hashes it itself, so a 10 MiB body would be held as bytes, then as a string, then
 * encoded again for the HMAC. No session is loaded or refreshed (docs/decisions/012).
 *
 * The HMAC is the library's: base64 HMAC-SHA256 of the raw body's bytes under the app's client
 * secret (its validateHmacString), compared in constant time.
 */
import { timingSafeEqual } from "node:crypto";
import {
  WEBHOOK_HEADER_NAMES,
  WebhookType,
  WebhookValidationErrorReason,
} from "@shopify/shopify-api";

import type { HeaderReader } from "./request-body.server.ts";

const HEADERS = WEBHOOK_HEADER_NAMES[WebhookType.Webhooks];

export type WebhookVerification =
  | {
      valid: true;
      topic: string;
      domain: string;
      apiVersion: string;
      webhookId: string;
      name: string | null;
      triggeredAt: string | null;
      eventId: string | null;
    }
  | { valid: false; reason: string };

export function verifyWebhook(
  headers: HeaderReader,
  body: { bytes: Buffer; digest: Buffer },
): WebhookVerification {
  // An Events delivery (Shopify-Hmac-Sha256 and its kin): Recur subscribes to webhooks only.
  if (headers.get(WEBHOOK_HEADER_NAMES[WebhookType.Events].hmac)) {
    return { valid: false, reason: "events are not subscribed to" };
  }
  if (body.bytes.length === 0)
    return { valid: false, reason: WebhookValidationErrorReason.MissingBody };
  const hmac = headers.get(HEADERS.hmac);
  if (!hmac) return { valid: false, reason: WebhookValidationErrorReason.MissingHmac };
  const expected = Buffer.from(body.digest.toString("base64"));
  const given = Buffer.from(hmac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { valid: false, reason: WebhookValidationErrorReason.InvalidHmac };
  }
  const topic = headers.get(HEADERS.topic);
  const domain = headers.get(HEADERS.domain);
  const apiVersion = headers.get(HEADERS.apiVersion);
  const webhookId = headers.get(HEADERS.webhookId);
  if (!topic || !domain || !apiVersion || !webhookId) {
    return { valid: false, reason: WebhookValidationErrorReason.MissingHeaders };
  }
  return {
    valid: true,
    topic,
    domain,
    apiVersion,
    webhookId,
    name: headers.get(HEADERS.name) || null,
    triggeredAt: headers.get(HEADERS.triggeredAt) || null,
    eventId: headers.get(HEADERS.eventId) || null,
  };
}
