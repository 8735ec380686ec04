/** The customers/data_request requests a shop received, and the export Recur built for each. */
import { z } from "zod";
import type { Queryable } from "../../db.server.ts";
import { keysetPage, pageFields, type Page } from "./keyset.server.ts";

export const dataRequestListSchema = z.object({
  ...pageFields,
});

export interface DataRequestRow {
  id: number;
  shopifyRequestId: string;
  customerId: string | null;
  customerEmail: string | null;
  ordersRequested: string[];
  requestedAt: Date;
  /** Orders in the export. */
  exportedOrders: number;
  /** Whether Recur held the customer when the request was processed. */
  customerFound: boolean;
}

export async function listDataRequests(
  db: Queryable,
  shopId: number,
  input: z.output<typeof dataRequestListSchema>,
): Promise<Page<DataRequestRow>> {
  return keysetPage<DataRequestRow>(db, {
    select: `SELECT r.id, r.shopify_request_id::text AS "shopifyRequestId",
      r.customer_shopify_id::text AS "customerId", r.customer_email AS "customerEmail",
      r.orders_requested::text[] AS "ordersRequested", r.requested_at AS "requestedAt",
      coalesce(jsonb_array_length(r.export->'orders'), 0) AS "exportedOrders",
      coalesce(jsonb_typeof(r.export->'customer') = 'object', false) AS "customerFound"
      FROM data_requests r`,
    where: ["r.shop_id = $1"],
    params: [shopId],
    column: "r.id",
    columnType: "int",
    nullable: false,
    id: "r.id",
    idType: "int",
    direction: "desc",
    page: input,
  });
}

/** One request's export, as the JSON text to download, or nothing for another shop's id. */
export async function findDataRequestExport(
  db: Queryable,
  shopId: number,
  id: number,
): Promise<{ shopifyRequestId: string; json: string } | undefined> {
  const { rows } = await db.query<{ shopifyRequestId: string; json: string }>(
    `SELECT shopify_request_id::text AS "shopifyRequestId",
       jsonb_pretty(jsonb_build_object(
         'dataRequest', jsonb_build_object(
           'id', shopify_request_id::text, 'requestedAt', requested_at,
           'customerId', customer_shopify_id::text, 'customerEmail', customer_email,
           'ordersRequested', to_jsonb(orders_requested::text[])),
         'export', export)) AS json
     FROM data_requests WHERE shop_id = $1 AND id = $2`,
    [shopId, id],
  );
  return rows[0];
}
