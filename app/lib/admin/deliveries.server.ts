/**
 * A shop's webhook deliveries as the admin lists them: newest first, by status and topic, keyset
 * pages; and one delivery with the headers that matter, its payload and its last error.
 */
import { z } from "zod";
import type { Queryable } from "../../db.server.ts";
import { TOPIC_TASKS } from "../webhooks/topics.ts";
import { keysetPage, pageFields, type Page } from "./keyset.server.ts";

export const DELIVERY_STATUSES = [
  "received",
  "processing",
  "processed",
  "skipped",
  "ignored",
  "dead_letter",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The topics Recur subscribes to: the topic filter's choices. */
export const DELIVERY_TOPICS = Object.keys(TOPIC_TASKS) as [string, ...string[]];

export const deliveryListSchema = z.object({
  status: z
    .enum(DELIVERY_STATUSES, { error: `status must be one of ${DELIVERY_STATUSES.join(", ")}` })
    .optional(),
  topic: z.enum(DELIVERY_TOPICS, { error: "topic is not one Recur subscribes to" }).optional(),
  ...pageFields,
});
export type DeliveryListInput = z.output<typeof deliveryListSchema>;

export interface DeliveryListRow {
  id: string;
  topic: string;
  status: DeliveryStatus;
  triggeredAt: Date | null;
  receivedAt: Date;
  processedAt: Date | null;
  attempts: number;
  lastError: string | null;
}

export async function listDeliveries(
  db: Queryable,
  shopDomain: string,
  input: DeliveryListInput,
): Promise<Page<DeliveryListRow>> {
  const params: unknown[] = [shopDomain];
  const where = ["d.shop_domain = $1"];
  if (input.status) where.push(`d.status = $${params.push(input.status)}::delivery_status`);
  if (input.topic) where.push(`d.topic = $${params.push(input.topic)}`);
  return keysetPage<DeliveryListRow>(db, {
    select: `SELECT d.id, d.topic, d.status::text AS status, d.triggered_at AS "triggeredAt",
      d.received_at AS "receivedAt", d.processed_at AS "processedAt", d.attempts,
      d.last_error AS "lastError"
      FROM webhook_deliveries d`,
    where,
    params,
    column: "d.received_at",
    columnType: "timestamptz",
    nullable: false,
    id: "d.id",
    idType: "text",
    direction: "desc",
    page: input,
  });
}

export interface DeliveryDetail extends DeliveryListRow {
  eventId: string | null;
  apiVersion: string;
  subscriptionName: string | null;
  /** The payload as stored, pretty-printed by PostgreSQL (exact: no id is rounded). */
  payload: string;
}

/** One delivery of the shop, or nothing (another shop's, or erased by shop/redact). */
export async function findDelivery(
  db: Queryable,
  shopDomain: string,
  id: string,
): Promise<DeliveryDetail | undefined> {
  const { rows } = await db.query<DeliveryDetail>(
    `SELECT d.id, d.event_id AS "eventId", d.topic, d.status::text AS status,
       d.api_version AS "apiVersion", d.subscription_name AS "subscriptionName",
       d.triggered_at AS "triggeredAt", d.received_at AS "receivedAt",
       d.processed_at AS "processedAt", d.attempts, d.last_error AS "lastError",
       jsonb_pretty(d.payload) AS payload
     FROM webhook_deliveries d WHERE d.shop_domain = $1 AND d.id = $2`,
    [shopDomain, id],
  );
  return rows[0];
}
