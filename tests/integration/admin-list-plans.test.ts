// The admin's list queries on a big shop (beside another shop) use the indexes made for them: each
// page is an index range scan that reads about one page of rows, however deep the page; searches
// go through the trigram indexes. Checked with EXPLAIN ANALYZE on the queries the read models send.
import { beforeAll, describe, expect, it } from "vitest";
import { pool, type Queryable } from "../../app/db.server.ts";
import {
  listCustomers,
  searchText,
  type CustomerListInput,
} from "../../app/lib/admin/customers.server.ts";
import { listDeliveries } from "../../app/lib/admin/deliveries.server.ts";
import { encodeCursor } from "../../app/lib/admin/keyset.server.ts";
import { listOrders, type OrderListInput } from "../../app/lib/admin/orders.server.ts";
import { containsPattern, everyWordPattern } from "../../app/lib/admin/search.server.ts";
import { query } from "../support/db.ts";

const ROWS = 40_000;
const BIG = "plans-big.myshopify.com";
let shopId: number;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  "Actual Rows": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * Runs a read model, then EXPLAIN ANALYZE of the statement that read the page (a search first asks
 * the planner for estimates, with EXPLAIN); returns the plan's nodes.
 */
async function planOf(run: (db: Queryable) => Promise<unknown>): Promise<PlanNode[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const sent: { sql: string; params: unknown[] }[] = [];
    const recorder = {
      query: (sql: string, params: unknown[]) => {
        sent.push({ sql, params });
        return client.query(sql, params);
      },
    } as unknown as Queryable;
    await run(recorder);
    const reads = sent.filter((statement) => !statement.sql.startsWith("EXPLAIN"));
    expect(reads).toHaveLength(1);
    const { rows } = await client.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${reads[0]!.sql}`,
      reads[0]!.params,
    );
    return nodes(rows[0]!["QUERY PLAN"][0].Plan);
  } finally {
    await client.query("ROLLBACK");
    client.release();
  }
}

/** Rows the plan read from a table (scans of it, rows returned plus rows filtered away). */
function rowsRead(plan: PlanNode[], table: string): number {
  return plan
    .filter((node) => node["Relation Name"] === table && /Scan/.test(node["Node Type"]))
    .reduce((sum, node) => sum + node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0), 0);
}

function expectIndexPage(
  plan: PlanNode[],
  table: string,
  index: string | string[],
  keyset: boolean,
) {
  const indexes = [index].flat();
  expect(plan.filter((node) => node["Node Type"] === "Seq Scan")).toEqual([]);
  const scan = plan.find((node) => indexes.includes(node["Index Name"] ?? ""));
  expect(
    scan,
    `${index} in ${JSON.stringify(plan.map((n) => n["Node Type"] + " " + (n["Index Name"] ?? n["Relation Name"] ?? "")))}`,
  ).toBeDefined();
  expect(scan!["Node Type"]).toMatch(/^Index (Only )?Scan$/);
  if (keyset) expect(scan!["Index Cond"]).toMatch(/ROW\(/);
  // About a page of rows, not the shop's 40,000.
  expect(rowsRead(plan, table)).toBeLessThan(300);
}

beforeAll(async () => {
  const [big] = await query<{ id: number }>("INSERT INTO shops (domain) VALUES ($1) RETURNING id", [
    BIG,
  ]);
  const [other] = await query<{ id: number }>(
    "INSERT INTO shops (domain) VALUES ('plans-other.myshopify.com') RETURNING id",
  );
  shopId = big!.id;
  for (const [id, count] of [
    [shopId, ROWS],
    [other!.id, ROWS / 4],
  ] as const) {
    await query(
      `INSERT INTO customers (shop_id, shopify_id, email, first_name, last_name, amount_spent,
         shopify_created_at, shopify_updated_at)
       SELECT $1, n, substr(md5(n::text), 1, 12) || '@example.com',
         (ARRAY['Ada','Grace','Alan','Edsger'])[1 + n % 4],
         CASE WHEN n % 50 = 0 THEN NULL ELSE 'Name' || (n % 997) END,
         CASE WHEN n % 10 = 0 THEN NULL ELSE (n % 1000) * 1.5 END,
         timestamptz '2024-01-01' + n * interval '17 minutes',
         timestamptz '2024-01-01' + n * interval '17 minutes' + interval '1 day'
       FROM generate_series(1, $2::int) AS n`,
      [id, count],
    );
    await query(
      `INSERT INTO orders (shop_id, shopify_id, name, email, customer_shopify_id, total_price,
         shopify_created_at, shopify_updated_at)
       SELECT $1, n, '#' || (1000 + n), substr(md5(n::text), 1, 12) || '@example.com',
         CASE WHEN n % 12 = 0 THEN NULL ELSE 1 + n % 5000 END, (n % 700) * 1.25,
         timestamptz '2024-01-01' + n * interval '17 minutes',
         timestamptz '2024-01-01' + n * interval '17 minutes' + interval '1 hour'
       FROM generate_series(1, $2::int) AS n`,
      [id, count],
    );
  }
  await query(
    `INSERT INTO webhook_deliveries (id, topic, shop_domain, api_version, payload, status, received_at)
     SELECT 'plan-' || n, (ARRAY['customers/update','orders/updated','orders/create'])[1 + n % 3],
       $1, '2026-10', '{}', (CASE WHEN n % 1000 = 0 THEN 'dead_letter' ELSE 'processed' END)::delivery_status,
       now() - n * interval '3 seconds'
     FROM generate_series(1, $2::int) AS n`,
    [BIG, ROWS],
  );
  // As autovacuum leaves a table: statistics current, and the trigram indexes' pending lists
  // merged (a manual ANALYZE does not merge them, and the planner prices a GIN scan by its pending
  // pages too, so without VACUUM a plan here would depend on whether autovacuum came first).
  await query("VACUUM (ANALYZE) customers, orders, webhook_deliveries");
});

const customers = (input: Partial<CustomerListInput>) => (db: Queryable) =>
  listCustomers(db, shopId, { sort: "updated", direction: "desc", ...input });
const orders = (input: Partial<OrderListInput>) => (db: Queryable) =>
  listOrders(db, shopId, { sort: "created", direction: "desc", ...input });
const middle = (value: string, id: number) => encodeCursor({ value, id: String(id) });

describe("the customer list", () => {
  it("reads one page through the sort's index, on the first page and deep in the list", async () => {
    expectIndexPage(await planOf(customers({})), "customers", "customers_admin_updated_idx", false);
    expectIndexPage(
      await planOf(customers({ after: middle("2024-07-01 00:00:00+00", 20_000) })),
      "customers",
      "customers_admin_updated_idx",
      true,
    );
    expectIndexPage(
      await planOf(customers({ before: middle("2024-07-01 00:00:00+00", 20_000) })),
      "customers",
      "customers_admin_updated_idx",
      true,
    );
    for (const [sort, index, value] of [
      ["created", "customers_admin_created_idx", "2024-07-01 00:00:00+00"],
      ["last_name", "customers_admin_last_name_idx", "Name500"],
      ["amount_spent", "customers_admin_amount_spent_idx", "700.5"],
    ] as const) {
      for (const direction of ["asc", "desc"] as const) {
        expectIndexPage(
          await planOf(customers({ sort, direction, after: middle(value, 20_000) })),
          "customers",
          index,
          true,
        );
      }
    }
  });

  // Which index serves a search's matches depends on the table's size: on these 50,000 rows a
  // sequential scan is cheaper than the trigram index, on a million it is not (docs/admin.md has
  // the plans at a million rows). What the read model decides is checked here.
  it("finds a rare word's matches first, then sorts them", async () => {
    // Emails are md5 prefixes: their trigrams are rare, as in real data.
    const [rare] = await query<{ prefix: string }>("SELECT substr(md5('12345'), 1, 8) AS prefix");
    const email = rare!.prefix;
    for (const q of [email, `grace ${email}`]) {
      const plan = await planOf(customers({ q }));
      expect(
        plan.some((node) => node["Node Type"] === "CTE Scan"),
        q,
      ).toBe(true);
      const page = await listCustomers(pool, shopId, { q, sort: "updated", direction: "desc" });
      expect(page.rows.map((row) => row.id)).toEqual(["12345"]);
    }
  });

  it("estimates every word at once: finds two common words that never meet first", async () => {
    // "alan grace": two first names, each a quarter of the shop, never in one customer. Estimated
    // as independent they would look common (a sixteenth of the shop) and the list would walk for
    // them, reading the whole shop; the planner's sample of the searchable text holds neither
    // both. "grace example": common, and together as often as apart: the list walks.
    const plan = await planOf(customers({ q: "alan grace" }));
    expect(plan.some((node) => node["Node Type"] === "CTE Scan")).toBe(true);
    // It never walks the sort's index. How the matches themselves are read (the trigram index, or
    // a sequential scan that costs less on 50,000 rows) is the planner's, as above.
    expect(plan.filter((node) => node["Index Name"] === "customers_admin_updated_idx")).toEqual([]);
    const page = await listCustomers(pool, shopId, {
      q: "alan grace",
      sort: "updated",
      direction: "desc",
    });
    expect(page.rows).toEqual([]);
    expectIndexPage(
      await planOf(customers({ q: "grace example" })),
      "customers",
      "customers_admin_updated_idx",
      false,
    );
  });

  it("estimates with a pattern that holds exactly the customers every word's ILIKE holds", async () => {
    // The estimate's regular expression takes the words' metacharacters literally, as ILIKE does.
    const words = ["Ada", "b+c.d", "(x)", "[y]", "a|b", "^z$", "{2}", "50%", "a_b", "\\"];
    await query(
      `INSERT INTO customers (shop_id, shopify_id, email, first_name, last_name, shopify_updated_at)
       VALUES ($1, 900001, 'b+c.d@(x).[y]', 'Ada', 'a|b ^z$ {2} 50% a_b \\', now()),
              ($1, 900002, 'bxcxd@x.y', 'ADA', 'ab z 2 50 ab', now())`,
      [shopId],
    );
    try {
      for (const word of words) {
        const [row] = await query<{ regex: number; ilike: number }>(
          `SELECT count(*) FILTER (WHERE ${searchText("m")} ~* $2)::int AS regex,
             count(*) FILTER (WHERE ${searchText("m")} ILIKE $3)::int AS ilike
           FROM customers m WHERE m.shop_id = $1 AND m.shopify_id >= 900001`,
          [shopId, everyWordPattern([word]), containsPattern(word)],
        );
        expect(row, word).toEqual({ regex: row!.ilike, ilike: row!.ilike });
        expect(row!.ilike, word).toBeGreaterThan(0);
      }
      const [both] = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM customers m
         WHERE m.shop_id = $1 AND m.shopify_id >= 900001 AND ${searchText("m")} ~* $2`,
        [shopId, everyWordPattern(["50%", "ada", "b+c.d"])],
      );
      expect(both!.n).toBe(1);
    } finally {
      await query("DELETE FROM customers WHERE shop_id = $1 AND shopify_id >= 900001", [shopId]);
    }
  });

  it("gives the same page whether a walk finishes or runs out of its time budget", async () => {
    // "alan grace": no customer (found first, see above); "grace example": common, and together
    // as often as apart. "name9", by last name A-Z: a tenth of the shop (Name9, Name90-Name99,
    // Name900-Name996), all at the end of the sort's order, so a walk from the start reads most of
    // the shop before it finds them, and runs out of a budget of 1 ms.
    const search = (q: string, walkBudgetMs: number, sort: "updated" | "last_name" = "updated") =>
      listCustomers(
        pool,
        shopId,
        { q, sort, direction: sort === "updated" ? "desc" : "asc" },
        { walkBudgetMs },
      );
    for (const q of ["alan grace", "grace example"]) {
      const unhurried = await search(q, 60_000);
      expect(await search(q, 1), q).toEqual(unhurried);
    }
    const name9 = await search("name9", 60_000, "last_name");
    expect(name9.rows).toHaveLength(50);
    expect(name9.rows.every((row) => row.lastName!.startsWith("Name9"))).toBe(true);
    expect(await search("name9", 1, "last_name")).toEqual(name9);
    expect((await search("alan grace", 1)).rows).toEqual([]);
    const page = await search("grace example", 1);
    expect(page.rows).toHaveLength(50);
    expect(page.rows.every((row) => row.firstName === "Grace")).toBe(true);
    expect(page.next).not.toBeNull();

    const orders = (walkBudgetMs: number) =>
      listOrders(
        pool,
        shopId,
        { q: "alan grace", sort: "created", direction: "desc" },
        { walkBudgetMs },
      );
    expect(await orders(1)).toEqual(await orders(60_000));
  });

  it("walks the sort's index for a word most customers match", async () => {
    expectIndexPage(
      await planOf(customers({ q: "example" })),
      "customers",
      "customers_admin_updated_idx",
      false,
    );
  });
});

describe("the order list", () => {
  it("reads one page through the sort's index", async () => {
    expectIndexPage(await planOf(orders({})), "orders", "orders_admin_created_idx", false);
    expectIndexPage(
      await planOf(orders({ after: middle("2024-07-01 00:00:00+00", 20_000) })),
      "orders",
      "orders_admin_created_idx",
      true,
    );
    expectIndexPage(
      await planOf(orders({ sort: "total", after: middle("400.00", 20_000) })),
      "orders",
      "orders_admin_total_price_idx",
      true,
    );
  });

  it("finds an order number's matches first", async () => {
    const plan = await planOf(orders({ q: "#21234" }));
    expect(plan.some((node) => node["Node Type"] === "CTE Scan")).toBe(true);
    const page = await listOrders(pool, shopId, {
      q: "#21234",
      sort: "created",
      direction: "desc",
    });
    expect(page.rows.map((row) => row.name)).toEqual(["#21234"]);
  });
});

describe("the delivery list", () => {
  it("reads one page through the index of its filter", async () => {
    const deep = middle(new Date(Date.now() - 3 * 20_000 * 1000).toISOString(), 0);
    expectIndexPage(
      await planOf((db) => listDeliveries(db, BIG, { after: deep })),
      "webhook_deliveries",
      "webhook_deliveries_admin_received_idx",
      true,
    );
    // A rare status (dead letters) comes from (shop_domain, status) and a sort of its few rows; a
    // common status or a topic walks an index in the list's order.
    expectIndexPage(
      await planOf((db) => listDeliveries(db, BIG, { status: "dead_letter", after: deep })),
      "webhook_deliveries",
      "webhook_deliveries_shop_domain_status_idx",
      false,
    );
    for (const filter of [{ status: "processed" as const }, { topic: "orders/create" }]) {
      expectIndexPage(
        await planOf((db) => listDeliveries(db, BIG, { ...filter, after: deep })),
        "webhook_deliveries",
        ["webhook_deliveries_admin_received_idx", "webhook_deliveries_admin_topic_idx"],
        true,
      );
    }
  });
});
