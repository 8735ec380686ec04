import { pool } from "../db.server.ts";
import { HealthCheck } from "../lib/health.server.ts";

const health = new HealthCheck(pool);

/**
 * GET /healthz, unauthenticated: 200 when the database answers `SELECT 1` (with the job queue's
 * figures, at most a few seconds old), 503 when it does not. See app/lib/health.server.ts.
 */
export async function loader() {
  const result = await health.check();
  return Response.json(result, {
    status: result.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
