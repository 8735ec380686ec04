/**
 * GET /app/privacy/:id/export: a data request's export as a JSON file download. Another shop's
 * request is a 404.
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { pool } from "../db.server.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { notFound } from "../lib/admin/http.server.ts";
import { findDataRequestExport } from "../lib/admin/privacy.server.ts";
import { serialId } from "../lib/zod-fields.ts";

const params = z.object({ id: serialId });

export const loader = async ({ request, params: raw }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const parsed = params.safeParse(raw);
  const found = parsed.success
    ? await findDataRequestExport(pool, shop.id, parsed.data.id)
    : undefined;
  if (!found) throw notFound(`This store has no data request ${raw.id ?? ""}.`);
  return new Response(found.json, {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="data-request-${found.shopifyRequestId}.json"`,
      "Cache-Control": "no-store",
    },
  });
};
