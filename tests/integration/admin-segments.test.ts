// The Segments page and a segment's customer list against two installed shops, each fully synced
// and scored: a session of shop A sees A's segments and customers only, and "Recompute now" scores
// A only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import type { SegmentsOverview } from "../../app/lib/admin/segments.server.ts";
import { requestSync } from "../../app/lib/sync/request.server.ts";
import * as customerPage from "../../app/routes/app.customers.$id.tsx";
import * as segmentList from "../../app/routes/app.segments.$segment.tsx";
import * as segments from "../../app/routes/app.segments._index.tsx";
import * as webhooks from "../../app/routes/webhooks.ts";
import { startAppServer, type AppServer } from "../support/app-server.ts";
import { query } from "../support/db.ts";
import { drainJobs, jobs } from "../support/jobs.ts";
import { seedInstalledShop, settleSyncs } from "../support/sync.ts";
import { act, load, type PageBody } from "./admin-helpers.ts";

let app: AppServer;
let a: { domain: string; shopId: number };
let b: { domain: string; shopId: number };
// More prospects than a page holds: their list in money or recency order walks the primary key.
let c: { domain: string; shopId: number };

beforeAll(async () => {
  app = await startAppServer({ "/webhooks": webhooks });
  a = await seedInstalledShop({ shop: "segments-a", customers: 40, orders: 120, seed: 3 });
  b = await seedInstalledShop({ shop: "segments-b", customers: 8, orders: 20, seed: 4 });
  c = await seedInstalledShop({ shop: "segments-c", customers: 130, orders: 10, seed: 5 });
  await requestSync(pool, a.shopId, "full");
  await requestSync(pool, b.shopId, "full");
  await requestSync(pool, c.shopId, "full");
  await settleSyncs();
  await drainJobs();
});
afterAll(() => app.close());

type Body = SegmentsOverview & { lastRun: { scoredCustomers: number } | null };

describe("the Segments page", () => {
  it("shows each shop its own segments, grid and run only", async () => {
    for (const shop of [a, b]) {
      const page = await load<Body>(segments, shop.domain, "/app/segments");
      expect(page.status).toBe(200);
      const own = await query<{ segment: string; customers: number }>(
        `SELECT segment, count(*)::int AS customers FROM customer_rfm WHERE shop_id = $1
         GROUP BY segment ORDER BY segment`,
        [shop.shopId],
      );
      expect(own.length).toBeGreaterThan(0);
      expect(
        page.body.segments
          .map((s) => ({ segment: s.segment, customers: s.customers }))
          .sort((x, y) => x.segment.localeCompare(y.segment)),
      ).toEqual(own);
      const scored = await query<{ n: number }>(
        "SELECT count(*)::int AS n FROM customer_rfm WHERE shop_id = $1 AND r IS NOT NULL",
        [shop.shopId],
      );
      expect(page.body.grid).toHaveLength(25);
      expect(page.body.grid.reduce((sum, cell) => sum + cell.customers, 0)).toBe(scored[0]!.n);
      expect(page.body.lastRun?.scoredCustomers).toBe(scored[0]!.n);
      const shares = page.body.segments.reduce((sum, s) => sum + s.shareOfCustomers, 0);
      expect(shares).toBeCloseTo(1, 6);
      // The chart's last day (today) holds today's full run: every customer of the shop.
      const today = page.body.sizes.series.reduce(
        (sum, line) => sum + (line.customers.at(-1) ?? 0),
        0,
      );
      expect(page.body.sizes.days).toHaveLength(90);
      expect(today).toBe(own.reduce((sum, row) => sum + row.customers, 0));
    }
  });

  it("explains a customer's scores on their page: values, shares beaten, cell and moves", async () => {
    const [row] = await query<{
      id: string;
      recency_days: number;
      frequency: number;
      r: number;
      f: number;
      m: number;
      fm: number;
      segment: string;
    }>(
      `SELECT customer_shopify_id::text AS id, recency_days, frequency, r, f, m, fm, segment
       FROM customer_rfm WHERE shop_id = $1 AND r IS NOT NULL ORDER BY customer_shopify_id LIMIT 1`,
      [a.shopId],
    );
    const [counts] = await query<{ worse: number; scored: number }>(
      `SELECT count(*) FILTER (WHERE recency_days > $2)::int AS worse, count(*)::int AS scored
       FROM customer_rfm WHERE shop_id = $1 AND r IS NOT NULL`,
      [a.shopId, row!.recency_days],
    );
    const page = await load<{
      rfm: {
        recencyDays: number;
        r: number;
        fm: number;
        segment: string;
        beats: { recency: number };
        history: { from: string | null; to: string }[];
      };
    }>(customerPage, a.domain, `/app/customers/${row!.id}`, { id: row!.id });
    expect(page.status).toBe(200);
    expect(page.body.rfm).toMatchObject({
      recencyDays: row!.recency_days,
      r: row!.r,
      fm: row!.fm,
      segment: row!.segment,
    });
    expect(page.body.rfm.beats.recency).toBeCloseTo(counts!.worse / counts!.scored, 9);
    expect(page.body.rfm.history.at(-1)).toEqual(expect.objectContaining({ from: null }));
  });

  it("refuses a movement window it does not offer", async () => {
    const page = await load(segments, a.domain, "/app/segments?days=13");
    expect(page.status).toBe(400);
  });

  it("queues a recomputation of the session's shop only", async () => {
    const answer = await act(segments, a.domain, "/app/segments", { intent: "recompute" });
    expect(answer).toEqual({ status: 200, body: { ok: true, message: "Recomputing segments" } });
    const queued = (await jobs()).filter((job) => job.task_identifier === "rfm.score-shop");
    expect(queued.map((job) => job.key)).toEqual([`rfm-score-shop:${a.shopId}`]);
    const during = await load<Body>(segments, a.domain, "/app/segments");
    expect(during.body.computing).toBe(true);
    await drainJobs();
    const after = await load<Body>(segments, a.domain, "/app/segments");
    expect(after.body.computing).toBe(false);
  });
});

interface ListRow {
  id: string;
  lastName: string | null;
  recencyDays: number | null;
  monetary: string | null;
  r: number | null;
}

async function ownSegment(shopId: number, segment: string, order: string) {
  return query<{ id: string }>(
    `SELECT s.customer_shopify_id::text AS id FROM customer_rfm s
     JOIN customers c ON c.shop_id = s.shop_id AND c.shopify_id = s.customer_shopify_id
     WHERE s.shop_id = $1 AND s.segment = $2 ORDER BY ${order}`,
    [shopId, segment],
  );
}

describe("a segment's customer list", () => {
  it("lists each shop's own customers of the segment, and none of another shop's", async () => {
    const segmentsOf = async (shopId: number) =>
      (
        await query<{ segment: string }>(
          "SELECT DISTINCT segment FROM customer_rfm WHERE shop_id = $1",
          [shopId],
        )
      ).map((row) => row.segment);
    // Every segment either shop has, asked for by each shop's session.
    const all = [...new Set([...(await segmentsOf(a.shopId)), ...(await segmentsOf(b.shopId))])];
    expect(all.length).toBeGreaterThan(1);
    for (const shop of [a, b]) {
      for (const segment of all) {
        const page = await load<PageBody<ListRow>>(
          segmentList,
          shop.domain,
          `/app/segments/${segment}`,
          { segment },
        );
        expect(page.status).toBe(200);
        const own = await ownSegment(
          shop.shopId,
          segment,
          "s.monetary DESC NULLS LAST, s.customer_shopify_id DESC",
        );
        expect(page.body.page.rows.map((row) => row.id)).toEqual(own.map((row) => row.id));
      }
    }
  });

  it("sorts by money spent, by days since the last order and by the customer list's sorts", async () => {
    const [largest] = await query<{ segment: string }>(
      `SELECT segment FROM customer_rfm WHERE shop_id = $1 AND r IS NOT NULL
       GROUP BY segment ORDER BY count(*) DESC, segment LIMIT 1`,
      [a.shopId],
    );
    const segment = largest!.segment;
    const cases = [
      ["sort=monetary&direction=asc", "s.monetary ASC, s.customer_shopify_id ASC"],
      ["sort=recency&direction=asc", "s.recency_days ASC, s.customer_shopify_id ASC"],
      ["sort=recency&direction=desc", "s.recency_days DESC, s.customer_shopify_id DESC"],
      ["sort=last_name&direction=asc", "c.last_name ASC NULLS LAST, c.shopify_id ASC"],
      ["sort=updated&direction=desc", "c.shopify_updated_at DESC, c.shopify_id DESC"],
    ] as const;
    for (const [search, order] of cases) {
      const page = await load<PageBody<ListRow>>(
        segmentList,
        a.domain,
        `/app/segments/${segment}?${search}`,
        { segment },
      );
      expect(page.status, search).toBe(200);
      const own = await ownSegment(a.shopId, segment, order);
      expect(
        page.body.page.rows.map((row) => row.id),
        search,
      ).toEqual(own.map((row) => row.id));
    }
  });

  it("pages through the prospects in money and recency order, which is their ids' order (they have neither)", async () => {
    for (const [search, order] of [
      ["", "s.customer_shopify_id DESC"],
      ["sort=monetary&direction=asc", "s.customer_shopify_id ASC"],
      ["sort=recency&direction=asc", "s.customer_shopify_id ASC"],
      ["sort=recency&direction=desc", "s.customer_shopify_id DESC"],
    ] as const) {
      const own = await ownSegment(c.shopId, "PROSPECTS", order);
      expect(own.length, search).toBeGreaterThan(2 * 50);
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const query = new URLSearchParams(search);
        if (after) query.set("after", after);
        const page: { status: number; body: PageBody<ListRow> } = await load<PageBody<ListRow>>(
          segmentList,
          c.domain,
          `/app/segments/PROSPECTS?${query}`,
          { segment: "PROSPECTS" },
        );
        expect(page.status, search).toBe(200);
        seen.push(...page.body.page.rows.map((row) => row.id));
        after = page.body.page.next;
      } while (after && seen.length <= own.length);
      expect(seen, search).toEqual(own.map((row) => row.id));
    }
  });

  it("searches the segment by name or email like the customer list", async () => {
    const [someone] = await query<{ segment: string; email: string; id: string }>(
      `SELECT s.segment, c.email, c.shopify_id::text AS id FROM customer_rfm s
       JOIN customers c ON c.shop_id = s.shop_id AND c.shopify_id = s.customer_shopify_id
       WHERE s.shop_id = $1 AND c.email IS NOT NULL ORDER BY c.shopify_id LIMIT 1`,
      [a.shopId],
    );
    const q = encodeURIComponent(someone!.email);
    const found = await load<PageBody<ListRow>>(
      segmentList,
      a.domain,
      `/app/segments/${someone!.segment}?q=${q}`,
      { segment: someone!.segment },
    );
    expect(found.body.page.rows.map((row) => row.id)).toEqual([someone!.id]);
    // The same customer is not in another segment's list, and B's session does not find them.
    const other = (
      await query<{ segment: string }>(
        "SELECT DISTINCT segment FROM customer_rfm WHERE shop_id = $1 AND segment <> $2",
        [a.shopId, someone!.segment],
      )
    )[0]!.segment;
    const elsewhere = await load<PageBody<ListRow>>(
      segmentList,
      a.domain,
      `/app/segments/${other}?q=${q}`,
      { segment: other },
    );
    expect(elsewhere.body.page.rows).toEqual([]);
    const fromB = await load<PageBody<ListRow>>(
      segmentList,
      b.domain,
      `/app/segments/${someone!.segment}?q=${q}`,
      { segment: someone!.segment },
    );
    expect(fromB.body.page.rows).toEqual([]);
  });

  it("answers 404 for a segment rule set v1 does not have, 400 for a sort it does not offer", async () => {
    const unknown = await load(segmentList, a.domain, "/app/segments/WHALES", {
      segment: "WHALES",
    });
    expect(unknown.status).toBe(404);
    const lower = await load(segmentList, a.domain, "/app/segments/champions", {
      segment: "champions",
    });
    expect(lower.status).toBe(404);
    const badSort = await load(segmentList, a.domain, "/app/segments/CHAMPIONS?sort=r", {
      segment: "CHAMPIONS",
    });
    expect(badSort.status).toBe(400);
  });
});
