// The canary's control (scripts/ci/canary.ts): through the same setup, a file that passes must let
// the run exit 0, so a failing canary run is known to fail for its failing test, not its setup.
import pg from "pg";
import { expect, it } from "vitest";

it("passes, and its database is the migrated template's copy", async () => {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL",
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
  } finally {
    await client.end();
  }
});
