/**
 * Which task handles which webhook topic. shopify.app.toml subscribes to exactly these topics
 * (a test checks); a delivery of any other topic is recorded as `ignored`.
 */
import type { TaskName } from "../queue/catalog.ts";

export const TOPIC_TASKS = {
  "customers/create": "customers.create",
  "customers/update": "customers.upsert",
  "customers/delete": "customers.delete",
  // Since API 2025-01 customer payloads carry neither order statistics nor tags; these do.
  "customers/purchasing_summary": "customers.purchasing-summary",
  "customer.tags_added": "customers.tags-added",
  "customer.tags_removed": "customers.tags-removed",
  "orders/create": "orders.upsert",
  "orders/updated": "orders.upsert",
  "orders/delete": "orders.delete",
  "app/uninstalled": "app.uninstalled",
  "bulk_operations/finish": "bulk-operations.finish",
  "customers/data_request": "compliance.customers-data-request",
  "customers/redact": "compliance.customers-redact",
  "shop/redact": "compliance.shop-redact",
} as const satisfies Record<string, TaskName>;

export type Topic = keyof typeof TOPIC_TASKS;
export type DeliveryTaskName = (typeof TOPIC_TASKS)[Topic];

/** Shopify's mandatory privacy topics: declared as compliance_topics, handled even after uninstall. */
export const COMPLIANCE_TOPICS: Topic[] = [
  "customers/data_request",
  "customers/redact",
  "shop/redact",
];

export const DELIVERY_TASKS = [...new Set(Object.values(TOPIC_TASKS))] as DeliveryTaskName[];

export function taskForTopic(topic: string): DeliveryTaskName | undefined {
  return Object.hasOwn(TOPIC_TASKS, topic) ? TOPIC_TASKS[topic as Topic] : undefined;
}

/**
 * The job key of a delivery's job: namespaced, so that no webhook id (a header, not covered by the
 * HMAC) can name and replace another job, a sync's say.
 */
export const DELIVERY_JOB_KEY_PREFIX = "delivery:";
export const deliveryJobKey = (deliveryId: string) => `${DELIVERY_JOB_KEY_PREFIX}${deliveryId}`;

/** The delivery id in a delivery job's key (keys queued before the prefix are the id itself). */
export const deliveryIdOfJobKey = (key: string) =>
  key.startsWith(DELIVERY_JOB_KEY_PREFIX) ? key.slice(DELIVERY_JOB_KEY_PREFIX.length) : key;
