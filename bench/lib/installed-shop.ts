/**
 * A shop seeded in the stand-in and installed in Recur's database as a finished OAuth would leave
 * it (its row and offline session), for the benchmarks that sync through the stand-in.
 */
import type pg from "pg";
import type { startShopifyStandIn } from "../../tests/shopify-standin/index.ts";

type StandIn = Awaited<ReturnType<typeof startShopifyStandIn>>;
const SCOPES = "read_customers,read_orders,read_all_orders";

export async function installSeededShop(
  db: pg.Client,
  standIn: StandIn,
  seed: { shop: string; customers: number; orders: number },
): Promise<{ domain: string; id: number }> {
  const seeded = await standIn.seedShop(seed);
  const { rows } = await db.query<{ id: number }>(
    "INSERT INTO shops (domain, scopes) VALUES ($1, $2) RETURNING id",
    [seeded.shop, SCOPES],
  );
  await db.query(
    `INSERT INTO sessions (id, shop, state, "isOnline", scope, "accessToken")
     VALUES ($1, $2, 'bench', false, $3, $4)`,
    [`offline_${seeded.shop}`, seeded.shop, SCOPES, seeded.accessToken],
  );
  return { domain: seeded.shop, id: rows[0]!.id };
}
