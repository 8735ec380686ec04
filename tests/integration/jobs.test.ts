import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { enqueueJob } from "../../app/lib/queue/enqueue.server.ts";
import { installShop, query } from "../support/db.ts";
import { drainJobs, jobs } from "../support/jobs.ts";
import { restCustomer } from "../support/payloads.ts";

describe("the task catalog", () => {
  it("runs a job enqueued through the catalog", async () => {
    await installShop("catalog.myshopify.com");
    await query(
      `INSERT INTO webhook_deliveries (id, topic, shop_domain, api_version, payload)
       VALUES ('catalog-1', 'customers/create', 'catalog.myshopify.com', '2026-10', $1)`,
      [JSON.stringify(restCustomer(31, "2026-11-01T00:00:00Z"))],
    );
    await enqueueJob(
      pool,
      "customers.upsert",
      { deliveryId: "catalog-1" },
      { jobKey: "catalog-1" },
    );
    await drainJobs();
    expect(
      await query("SELECT status::text FROM webhook_deliveries WHERE id = 'catalog-1'"),
    ).toEqual([{ status: "processed" }]);
    expect(await query("SELECT shopify_id::text FROM customers")).toEqual([{ shopify_id: "31" }]);
  });

  it("refuses to enqueue a payload that does not fit the task's schema", async () => {
    await expect(
      enqueueJob(pool, "customers.upsert", { deliveryId: 42 } as unknown as { deliveryId: string }),
    ).rejects.toThrow(/deliveryId/);
  });

  it("parses the payload again when the job runs, and fails a job whose payload does not fit", async () => {
    // Queued behind the catalog's back, as an older release or a person at psql might.
    await query(
      `SELECT graphile_worker.add_job('customers.upsert', '{"delivery": "x"}'::json, max_attempts := 1)`,
    );
    await drainJobs();
    const [job] = (await jobs()).filter((j) => j.task_identifier === "customers.upsert");
    expect(job).toMatchObject({ attempts: 1, max_attempts: 1 });
    expect(job?.last_error).toMatch(
      /^invalid customers\.upsert payload: deliveryId: Invalid input: expected string/,
    );
  });
});
