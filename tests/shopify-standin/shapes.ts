// Shopify's real shapes, per shop and off by default (README: "Shopify's real shapes"): ids above
// 2^53, protected customer data left out for apps not approved for it, fulfillments and refunds
// that repeat line items, the nulls of Shopify's documented shop body, and bodies serialised as
// Shopify serialises them. Each option names its Shopify source in the README.
import { StandInError } from "./mutations.ts";

/** Protected customer data fields an app can be approved for (shopify.dev, protected-customer-data). */
export type ProtectedField = "name" | "email" | "phone" | "address";

export interface PayloadShapes {
  /**
   * Added to every Shopify id the stand-in sends (REST numeric ids and GIDs, in webhook bodies and
   * bulk result lines), so that ids exceed 2^53 like the ids of Shopify's documented examples
   * (`820982911946154508`). BulkOperation ids and the Admin API's own answers are not moved.
   */
  idOffset?: bigint;
  /**
   * The protected customer data fields the app is approved for. Webhook bodies of customers and
   * orders leave the others out (the keys are absent, not null). Absent: every field approved.
   */
  approvedFields?: readonly ProtectedField[];
  /** Orders carry `fulfillments[]` (with their line items) and `refunds[]` (refund line items). */
  fulfillmentsAndRefunds?: boolean;
  /** `app/uninstalled` carries the nulls of Shopify's documented body (`myshopify_domain` etc.). */
  documentedNulls?: boolean;
  /** Bodies as Shopify writes them: compact, `/` as `\/`, `&` `<` `>` as `\u0026` `\u003c` `\u003e`. */
  shopifyJson?: boolean;
}

/** The largest offset that keeps every stand-in id within Shopify's range (ids stay below 2^40). */
export const MAX_ID_OFFSET = 2n ** 64n - 1n - 2n ** 40n;

export function validateShapes(shapes: PayloadShapes): PayloadShapes {
  if (shapes.idOffset !== undefined && (shapes.idOffset < 0n || shapes.idOffset > MAX_ID_OFFSET))
    throw new StandInError(422, `idOffset must be from 0 to ${MAX_ID_OFFSET}`);
  return { ...shapes, approvedFields: shapes.approvedFields && [...shapes.approvedFields] };
}

/** The id Shopify would send for a stand-in id. */
export function shopifyIdOf(shapes: PayloadShapes, id: number | string): string {
  return (BigInt(id) + (shapes.idOffset ?? 0n)).toString();
}

/** GIDs of every resource but bulk operations, whose ids the app reads back from the Admin API. */
const GID = /gid:\/\/shopify\/(?!BulkOperation\/)([A-Za-z]+)\/(\d+)/g;
/** A numeric id in compact JSON: a key `id` or `…_id` with an integer value. */
const NUMERIC_ID = /"((?:[a-z_]+_)?id)":(\d+)/g;
const ID_LISTS = /"(orders_requested|orders_to_redact)":\[([\d,]*)\]/g;

/** Moves the ids of a compact JSON text (JSON.stringify's output, `/` not yet escaped). */
function offsetIds(json: string, offset: bigint): string {
  const move = (digits: string) => (BigInt(digits) + offset).toString();
  return json
    .replace(GID, (_, type: string, id: string) => `gid://shopify/${type}/${move(id)}`)
    .replace(NUMERIC_ID, (_, key: string, id: string) => `"${key}":${move(id)}`)
    .replace(
      ID_LISTS,
      (_, key: string, list: string) =>
        `"${key}":[${list ? list.split(",").map(move).join(",") : ""}]`,
    );
}

/**
 * JSON.stringify's text as Shopify's webhook bodies write it. A `/`, `&`, `<` or `>` can occur in
 * compact JSON only inside strings, so replacing them in the text escapes exactly those.
 */
function shopifyJsonText(json: string): string {
  return json
    .replaceAll("/", "\\/")
    .replaceAll("&", "\\u0026")
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e");
}

/** A webhook body: the payload's JSON with the shop's shapes applied (none: JSON.stringify's). */
export function webhookBody(shapes: PayloadShapes, topic: string, payload: unknown): string {
  const shaped = shapes.approvedFields
    ? withoutProtectedFields(topic, payload, shapes.approvedFields)
    : payload;
  let json = JSON.stringify(shaped);
  if (shapes.idOffset) json = offsetIds(json, shapes.idOffset);
  return shapes.shopifyJson ? shopifyJsonText(json) : json;
}

/** A bulk result line's JSON (bulk files already escape `/`): ids moved by the offset. */
export function bulkLineIds(shapes: PayloadShapes, json: string): string {
  return shapes.idOffset ? offsetIds(json, shapes.idOffset) : json;
}

const NAME_KEYS = ["first_name", "last_name", "name"];
const ADDRESS_KEYS = ["addresses", "default_address", "billing_address", "shipping_address"];

function omit(record: Record<string, unknown>, keys: string[]) {
  for (const key of keys) delete record[key];
}

function stripCustomer(customer: Record<string, unknown>, approved: readonly ProtectedField[]) {
  if (!approved.includes("name")) omit(customer, ["first_name", "last_name"]);
  if (!approved.includes("email")) omit(customer, ["email"]);
  if (!approved.includes("phone")) omit(customer, ["phone"]);
  if (!approved.includes("address")) omit(customer, ADDRESS_KEYS);
  else if (!approved.includes("name") || !approved.includes("phone")) {
    for (const key of ADDRESS_KEYS) stripAddresses(customer[key], approved);
  }
}

function stripAddresses(value: unknown, approved: readonly ProtectedField[]) {
  for (const address of Array.isArray(value) ? value : [value]) {
    if (!address || typeof address !== "object") continue;
    if (!approved.includes("name")) omit(address as Record<string, unknown>, NAME_KEYS);
    if (!approved.includes("phone")) omit(address as Record<string, unknown>, ["phone"]);
  }
}

/**
 * A customer or order body as an app not approved for some protected fields receives it: those
 * keys absent. Other topics are unchanged (compliance topics always carry the customer's contact).
 */
export function withoutProtectedFields(
  topic: string,
  payload: unknown,
  approved: readonly ProtectedField[],
): unknown {
  if (!payload || typeof payload !== "object") return payload;
  const copy = structuredClone(payload) as Record<string, unknown>;
  if (topic === "customers/create" || topic === "customers/update") {
    stripCustomer(copy, approved);
  } else if (topic === "orders/create" || topic === "orders/updated") {
    if (!approved.includes("email")) omit(copy, ["email", "contact_email"]);
    if (!approved.includes("phone")) omit(copy, ["phone"]);
    if (copy.customer && typeof copy.customer === "object")
      stripCustomer(copy.customer as Record<string, unknown>, approved);
    if (!approved.includes("address")) omit(copy, ["billing_address", "shipping_address"]);
    else stripAddresses([copy.billing_address, copy.shipping_address], approved);
  } else {
    return payload;
  }
  return copy;
}
