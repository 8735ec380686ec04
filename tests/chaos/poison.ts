/**
 * Poison deliveries: correctly signed webhooks that can never be processed. Each must end as a
 * dead letter carrying its reason; none may change a row. Their resource ids lie outside every
 * seeded shop's id range (tests/shopify-standin/generator.ts: 7.0e12 to 7.9e12), so even a bug
 * that wrote one would show up in the ground-truth comparison as a row the store does not have.
 */
import type { SendWebhookInput } from "../shopify-standin/index.ts";
import type { Random } from "./random.ts";

/** A poison delivery as sent: which shop, and the stand-in's webhook id for it. */
export interface SentPoison extends PoisonDelivery {
  shop: string;
  webhookId: string;
}

export type PoisonKind = "schema" | "retry-exhausted" | "unstorable";

export interface PoisonDelivery {
  kind: PoisonKind;
  input: SendWebhookInput;
  /** The dead letter's last_error must match this. */
  reason: RegExp;
}

const POISON_ID_BASE = 8_999_000_000_000;

/** One past Postgres' integer: valid to Recur's schema (an integer), refused by the column. */
const BEYOND_INT4 = 2 ** 31;

export function poisonFactory(random: Random) {
  let n = 0;
  const now = () => new Date().toISOString();

  function schemaFailure(id: number): SendWebhookInput {
    return random.pick<SendWebhookInput>([
      // No updated_at: nothing to version the row by.
      {
        topic: "customers/update",
        payload: { id, email: `poison-${id}@example.com`, first_name: "Poison" },
      },
      // A GID that names another customer than the id.
      {
        topic: "customers/create",
        payload: {
          id,
          admin_graphql_api_id: `gid://shopify/Customer/${id + 1}`,
          updated_at: now(),
        },
      },
      // line_items is not a list.
      {
        topic: "orders/updated",
        payload: { id, updated_at: now(), line_items: "none" },
      },
      // Not a numeric id.
      { topic: "orders/delete", payload: { id: `order-${id}` } },
      // Not a Customer GID.
      {
        topic: "customers/purchasing_summary",
        payload: { customerId: `gid://shopify/Order/${id}`, numberOfOrders: 1, occurredAt: now() },
      },
    ]);
  }

  function retryExhausted(id: number): SendWebhookInput {
    const at = now();
    return {
      topic: random.pick(["orders/create", "orders/updated"]),
      payload: {
        id,
        admin_graphql_api_id: `gid://shopify/Order/${id}`,
        name: `#P${id % 100_000}`,
        email: null,
        created_at: at,
        updated_at: at,
        processed_at: at,
        currency: "USD",
        total_price: "1.00",
        subtotal_price: "1.00",
        financial_status: "paid",
        test: false,
        tags: "",
        line_items: [
          {
            id: id + 1,
            admin_graphql_api_id: `gid://shopify/LineItem/${id + 1}`,
            title: "Too many",
            quantity: BEYOND_INT4,
            price: "1.00",
          },
        ],
      },
    };
  }

  function unstorable(id: number): SendWebhookInput {
    // Valid JSON that jsonb cannot hold (a NUL character), so the intake cannot store the payload.
    const at = now();
    return {
      topic: "customers/update",
      rawBody: `{"id":${id},"first_name":"nul\\u0000byte","updated_at":"${at}"}`,
    };
  }

  return function next(): PoisonDelivery {
    n += 1;
    const id = POISON_ID_BASE + n * 10;
    const roll = random.next();
    if (roll < 0.45) {
      return {
        kind: "schema",
        input: schemaFailure(id),
        reason: /payload does not match Shopify's format/,
      };
    }
    if (roll < 0.9) {
      return {
        kind: "retry-exhausted",
        input: retryExhausted(id),
        reason: /out of range for type integer/,
      };
    }
    return { kind: "unstorable", input: unstorable(id), reason: /payload cannot be stored/ };
  };
}
