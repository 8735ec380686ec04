/**
 * A webhook delivery, from its request to its answer, whatever carries it: the Remix route
 * (app/routes/webhooks.ts: `remix vite:dev`, tests) and, in `npm start`, node:http directly
 * (node-handler.server.ts: no Express, no Remix, no web Request on the hot path;
 * docs/decisions/048). Admits the delivery before its body is read (admission.server.ts), reads
 * the body once, hashing it as it streams in, verifies the HMAC and Shopify's headers (never a
 * session: docs/decisions/012, 033), records the delivery and queues its job in one statement, and
 * answers at once; the worker does the work.
 *
 * 405 non-POST · 413 body over WEBHOOK_MAX_BYTES (10 MiB) · 401 bad HMAC (nothing recorded) · 400
 * missing headers, a body that is not JSON, or a shop that is not a myshopify.com domain · 503 the
 * intake is full, the database failed, or the delivery was not recorded within its latency budget
 * (Shopify retries; docs/decisions/034, 047) · 200 recorded (or already).
 */
import { isUtf8 } from "node:buffer";
import { WebhookValidationErrorReason } from "@shopify/shopify-api";
import { webhookPool } from "../../db.server.ts";
import { env } from "../../env.server.ts";
import { logger } from "../../logger.server.ts";
import { admitDelivery } from "./admission.server.ts";
import { priorityForDelivery } from "./fairness.server.ts";
import { recordDelivery } from "./intake.server.ts";
import { declaredLength, readSignedBody, type HeaderReader } from "./request-body.server.ts";
import { verifyWebhook } from "./verify.server.ts";

export interface IncomingWebhook {
  method: string;
  headers: HeaderReader;
  /** The body as it arrives; left unread when the delivery is refused before it. */
  body: AsyncIterable<Uint8Array> | null;
}

export interface WebhookAnswer {
  status: number;
  headers: Record<string, string>;
  /** A plain-text explanation (null: no body). */
  text: string | null;
}

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

const plain = (status: number, text: string, headers: Record<string, string> = {}) => ({
  status,
  headers: { "Content-Type": "text/plain; charset=utf-8", ...headers },
  text,
});

/** What an unverified request says about itself (headers the HMAC does not cover), for the log. */
const claimed = (headers: HeaderReader) => ({
  shop: headers.get("X-Shopify-Shop-Domain"),
  topic: headers.get("X-Shopify-Topic"),
  deliveryId: headers.get("X-Shopify-Webhook-Id"),
});

export async function receiveWebhook(incoming: IncomingWebhook): Promise<WebhookAnswer> {
  const arrivedAt = performance.now();
  if (incoming.method !== "POST") return plain(405, "Webhooks are delivered with POST");
  const { headers } = incoming;

  // The rest of a refused body is not read: the connection cannot carry another request.
  const tooLarge = (size: number) => {
    logger.warn(
      { ...claimed(headers), bytes: size, limit: env.WEBHOOK_MAX_BYTES },
      "webhook body over the limit: 413",
    );
    return plain(413, `Webhook bodies are limited to ${env.WEBHOOK_MAX_BYTES} bytes`, {
      Connection: "close",
    });
  };
  const declared = declaredLength(headers);
  if (declared !== null && declared > env.WEBHOOK_MAX_BYTES) return tooLarge(declared);
  // Admitted before a byte of the body is read; past a bound the body is never read (its sender is
  // told to close the connection, so nothing more of it is received: docs/decisions/047).
  const admission = admitDelivery(declared);
  if (!admission.admitted) {
    const bodies = admission.bound === "bytes";
    logger.warn(
      bodies
        ? { ...claimed(headers), bytes: declared, limit: env.WEBHOOK_INTAKE_MAX_BYTES }
        : { ...claimed(headers), limit: env.WEBHOOK_INTAKE_MAX_DELIVERIES },
      bodies
        ? "webhook intake full (bodies held): 503"
        : "webhook intake full (deliveries held): 503",
    );
    return plain(503, `${admission.message}; retry later`, {
      Connection: "close",
      "Retry-After": "1",
    });
  }
  try {
    return await verifyAndRecord(incoming, declared, arrivedAt, tooLarge);
  } finally {
    admission.release();
  }
}

async function verifyAndRecord(
  incoming: IncomingWebhook,
  declared: number | null,
  arrivedAt: number,
  tooLarge: (size: number) => WebhookAnswer,
): Promise<WebhookAnswer> {
  const body = await readSignedBody(
    incoming.body,
    declared,
    env.WEBHOOK_MAX_BYTES,
    env.SHOPIFY_API_SECRET,
  );
  if (!body.ok) return tooLarge(body.size);

  const webhook = verifyWebhook(incoming.headers, body);
  if (!webhook.valid) {
    return webhook.reason === WebhookValidationErrorReason.InvalidHmac
      ? plain(401, "The webhook's HMAC does not match its body")
      : plain(400, `Not a Shopify webhook (${webhook.reason})`);
  }
  // JSON is UTF-8 (RFC 8259); the parse is synchronous and its result dropped at once, so however
  // many bodies are waiting, one parsed copy at most exists at a time.
  let json = isUtf8(body.bytes);
  if (json) {
    try {
      JSON.parse(body.bytes.toString("utf8"));
    } catch {
      json = false;
    }
  }
  if (!json) return plain(400, "The webhook body is not JSON");
  // Shopify names shops by their myshopify.com domain; anything else is not a delivery from it.
  if (!SHOP_DOMAIN.test(webhook.domain)) {
    return plain(400, "X-Shopify-Shop-Domain is not a myshopify.com domain");
  }
  const { topic } = webhook;
  const triggeredAt = webhook.triggeredAt ? new Date(webhook.triggeredAt) : null;
  const log = {
    shop: webhook.domain,
    topic,
    deliveryId: webhook.webhookId,
    bytes: body.bytes.length,
  };
  let result;
  try {
    result = await recordDelivery(
      webhookPool,
      {
        webhookId: webhook.webhookId,
        eventId: webhook.eventId,
        topic,
        shopDomain: webhook.domain,
        apiVersion: webhook.apiVersion,
        subscriptionName: webhook.name,
        triggeredAt: triggeredAt && !Number.isNaN(triggeredAt.getTime()) ? triggeredAt : null,
        body: body.bytes,
        arrivedAt,
      },
      priorityForDelivery(webhook.domain),
    );
  } catch (error) {
    logger.error({ ...log, err: error }, "webhook not recorded (database): 503");
    return plain(503, "The webhook could not be recorded now; retry later", { "Retry-After": "1" });
  }
  const durationMs = Math.round(performance.now() - arrivedAt);
  if (result.outcome === "overloaded") {
    logger.warn({ ...log, reason: result.reason, durationMs }, "webhook intake overloaded: 503");
    return plain(503, `The webhook intake is overloaded (${result.reason}); retry later`, {
      "Retry-After": "1",
    });
  }
  logger.info({ ...log, outcome: result.outcome, durationMs }, "webhook accepted");
  return { status: 200, headers: {}, text: null };
}
