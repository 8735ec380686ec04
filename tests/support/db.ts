/** Small read helpers over the per-file test database. */
import { pool } from "../../app/db.server.ts";

export async function query<T extends Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
) {
  const { rows } = await pool.query<T>(sql, params);
  return rows;
}

export async function installShop(domain: string): Promise<number> {
  const rows = await query<{ id: number }>(
    `INSERT INTO shops (domain, state, installed_at) VALUES ($1, 'installed', now() - interval '1 day')
     ON CONFLICT (domain) DO UPDATE SET state = 'installed' RETURNING id`,
    [domain],
  );
  return rows[0]!.id;
}

export function deliveries() {
  return query<{
    id: string;
    topic: string;
    status: string;
    last_error: string | null;
    attempts: number;
  }>(
    "SELECT id, topic, status::text, last_error, attempts FROM webhook_deliveries ORDER BY received_at, id",
  );
}

/** The invariant after any scenario: no delivery is left received or processing. */
export async function unsettledDeliveries() {
  return (await deliveries()).filter((d) => d.status === "received" || d.status === "processing");
}
