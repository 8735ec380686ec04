import { pool } from "../db.server.ts";
import { checkHealth } from "../lib/health.server.ts";

/** GET /healthz: 200 with the database and queue status, 503 when the database does not answer. */
export async function loader() {
  const health = await checkHealth(pool);
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
