import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres.ts";
import { freePort } from "../../scripts/lib/ports.ts";

describe("GET /healthz", () => {
  it("answers 200 with the database and queue status", async () => {
    const { loader } = await import("../../app/routes/healthz.ts");
    const response = await loader();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "ok",
      database: "ok",
      queue: { ready: 0, running: 0, retrying: 0, permanentlyFailed: 0, oldestReadySeconds: null },
    });
  });
});

describe("GET /healthz with the database stopped", () => {
  const dir = path.join(PROJECT_ROOT, ".data", `healthz-${process.pid}`);

  it("answers 503 and says the database is unreachable", async () => {
    // A PostgreSQL of its own, so that stopping it leaves the other test files alone.
    const postgres = await startEmbeddedPostgres({
      dir,
      port: await freePort(),
      database: "recur",
      // Removed when it stops, wherever it was placed.
      ephemeral: true,
    });
    const pg = (await import("pg")).default;
    const { checkHealth } = await import("../../app/lib/health.server.ts");
    const { runMigrations } = await import("graphile-worker");
    const pool = new pg.Pool({ connectionString: postgres.url, connectionTimeoutMillis: 1000 });
    pool.on("error", () => {});
    try {
      await runMigrations({ pgPool: pool });
      expect((await checkHealth(pool)).status).toBe("ok");

      await postgres.stop();
      const health = await checkHealth(pool);
      expect(health).toMatchObject({ status: "unavailable", database: "unreachable" });
    } finally {
      await pool.end();
      await postgres.stop();
    }
  });
});
