/**
 * GET /app/sync-progress: the overview polls this while a sync runs, so its progress bars move
 * without reloading the page. The same read model gives the overview's own first answer.
 */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { pool } from "../db.server.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { readSyncActivity } from "../lib/admin/progress.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, admin } = await requireShop(request);
  return json(await readSyncActivity(pool, admin, shop.id));
};
