import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandIn } from "./index.ts";
import {
  CUSTOMERS_QUERY,
  ORDERS_QUERY,
  RUN_BULK,
  fromBulk,
  graphql,
  parseJsonl,
  pick,
  startFakeApp,
  startStandIn,
} from "./testing.ts";
import type { FakeApp } from "./testing.ts";

let app: FakeApp;
let standIn: StandIn;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  app = await startFakeApp();
  standIn = await startStandIn(app, {
    bulk: { objectsPerSecond: 1_000_000 },
    webhookConcurrency: 1,
  });
  for (const shop of ["bulk", "limits", "manual"]) {
    tokens[shop] = (await standIn.seedShop({ shop, customers: 60, orders: 200 })).accessToken ?? "";
  }
  standIn.setBulkMode("manual", "manual");
  standIn.setBulkMode("manual", "limits");
});

afterAll(async () => {
  await standIn.close();
  await app.close();
});

async function run(shop: string, query: string, groupObjects?: boolean, version = "2026-10") {
  const response = await graphql(
    standIn,
    `${shop}.myshopify.com`,
    tokens[shop] ?? "",
    RUN_BULK,
    { query, groupObjects },
    version,
  );
  return pick<{
    bulkOperation: { id: string; status: string } | null;
    userErrors: { field: string[] | null; message: string; code: string }[];
  }>(response.body, "data.bulkOperationRunQuery");
}

async function runToFile(shop: string, query: string, groupObjects?: boolean) {
  const started = await run(shop, query, groupObjects);
  expect(started.userErrors).toEqual([]);
  expect(started.bulkOperation?.status).toBe("CREATED");
  const done = await standIn.waitForBulkOperation(shop, started.bulkOperation?.id ?? "");
  expect(done.status).toBe("COMPLETED");
  const response = await fetch(done.url ?? "");
  const text = await response.text();
  expect(Number(done.fileSize)).toBe(Buffer.byteLength(text));
  return { done, text, lines: parseJsonl(text) };
}

describe("bulk query output", () => {
  it("serves an order's current total lowered by its refunds", async () => {
    const order = standIn.createOrder("bulk", {
      lineItems: [{ title: "Thing", price: "30.00", quantity: 1 }],
      shippingPrice: "0.00",
      financialStatus: "PAID",
    });
    standIn.updateOrder("bulk", order.id, { refund: "12.00" });
    const { lines } = await runToFile("bulk", ORDERS_QUERY, true);
    const line = lines.find((l) => l.id === `gid://shopify/Order/${order.id}`) as
      { totalPriceSet: { shopMoney: { amount: string } } } | undefined;
    const truth = standIn.groundTruth("bulk").orders.find((o) => o.id === order.id);
    expect(truth).toMatchObject({ displayFinancialStatus: "PARTIALLY_REFUNDED" });
    expect(Number(truth?.currentTotalPrice)).toBe(Number(truth?.totalPrice) - 12);
    expect(line).toMatchObject({
      totalPriceSet: { shopMoney: { amount: truth?.totalPrice } },
      currentTotalPriceSet: { shopMoney: { amount: truth?.currentTotalPrice } },
    });
  });

  it("equals the ground truth, with GIDs whose slashes are escaped", async () => {
    const customers = await runToFile("bulk", CUSTOMERS_QUERY);
    const orders = await runToFile("bulk", ORDERS_QUERY, true);
    expect(customers.text).toContain('"id":"gid:\\/\\/shopify\\/Customer\\/');
    expect(customers.done.rootObjectCount).toBe(customers.done.objectCount);
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    const fromFile = fromBulk(customers.lines, orders.lines);
    const truth = standIn.groundTruth("bulk");
    expect(fromFile.customers.sort(byId)).toEqual([...truth.customers].sort(byId));
    expect(fromFile.orders.sort(byId)).toEqual([...truth.orders].sort(byId));
    expect(Number(orders.done.rootObjectCount)).toBe(truth.orders.length);
    expect(Number(orders.done.objectCount)).toBe(
      truth.orders.length + truth.orders.flatMap((o) => o.lineItems).length,
    );
  });

  it("puts children after their parents with groupObjects, and anywhere without", async () => {
    const query = `{ customers { edges { node { id orders { edges { node { id lineItems { edges { node { id } } } } } } } } } }`;
    const grouped = await runToFile("bulk", query, true);
    const seen = new Set<string>();
    let notDirectlyAfter = 0;
    grouped.lines.forEach((line, i) => {
      const parent = line.__parentId as string | undefined;
      if (parent) {
        expect(seen.has(parent)).toBe(true);
        if (grouped.lines[i - 1]?.id !== parent && grouped.lines[i - 1]?.__parentId !== parent)
          notDirectlyAfter += 1;
      }
      seen.add(line.id as string);
    });
    expect(notDirectlyAfter).toBeGreaterThan(0);

    const loose = await runToFile("bulk", query, false);
    const ids = new Set(loose.lines.map((l) => l.id as string));
    let before = 0;
    const positions = new Map(loose.lines.map((l, i) => [l.id as string, i]));
    loose.lines.forEach((line, i) => {
      const parent = line.__parentId as string | undefined;
      if (!parent) return;
      expect(ids.has(parent)).toBe(true);
      if ((positions.get(parent) ?? 0) > i) before += 1;
    });
    expect(before).toBeGreaterThan(0);
    expect(loose.lines).toHaveLength(grouped.lines.length);
  });

  it("applies a search filter on updated_at", async () => {
    const truth = standIn.groundTruth("bulk");
    const since = [...truth.orders].map((o) => o.updatedAt).sort()[150] ?? "";
    const { lines } = await runToFile(
      "bulk",
      `{ orders(query: "updated_at:>='${since}'") { edges { node { id updatedAt } } } }`,
    );
    expect(lines.map((l) => String(l.id).split("/").pop()).sort()).toEqual(
      truth.orders
        .filter((o) => o.updatedAt >= since)
        .map((o) => o.id)
        .sort(),
    );
  });

  it("progresses at the configured rate, then completes and sends bulk_operations/finish", async () => {
    standIn.setBulkRate(100);
    try {
      const started = await run("bulk", `{ customers { edges { node { id } } } }`);
      const id = started.bulkOperation?.id ?? "";
      const running = await standIn.waitForBulkOperation("bulk", id, ["RUNNING"]);
      expect(running.status).toBe("RUNNING");
      const counts: number[] = [];
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          void graphql(
            standIn,
            "bulk.myshopify.com",
            tokens.bulk ?? "",
            `
              query ($id: ID!) {
                node(id: $id) {
                  ... on BulkOperation {
                    status
                    objectCount
                  }
                }
              }
            `,
            { id },
          ).then((r) => {
            counts.push(Number(pick(r.body, "data.node.objectCount")));
            if (pick(r.body, "data.node.status") === "COMPLETED") {
              clearInterval(poll);
              resolve();
            }
          });
        }, 40);
      });
      expect(counts.some((c) => c > 0 && c < 60)).toBe(true);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      await standIn.waitForDeliveries();
      const finish = app.received
        .filter((r) => r.headers["x-shopify-topic"] === "bulk_operations/finish")
        .map((r) => JSON.parse(r.body) as Record<string, unknown>);
      expect(finish.find((f) => f.admin_graphql_api_id === id)).toMatchObject({
        status: "completed",
        error_code: null,
        type: "query",
        completed_at: expect.stringMatching(/[+-]\d\d:\d\d$/),
      });
    } finally {
      standIn.setBulkRate(1_000_000);
    }
  });
});

describe("bulk query validation", () => {
  const cases: [string, string, RegExp][] = [
    ["no connection", "{ shop { name } }", /must contain at least one connection/],
    ["top-level node", `{ node(id: "gid://shopify/Customer/1") { id } }`, /top level `node` field/],
    [
      "unknown field",
      "{ customers { edges { node { id nope } } } }",
      /Field 'nope' doesn't exist on type 'Customer'/,
    ],
    ["syntax", "{ customers { edges { node { id }", /^Invalid bulk query: Syntax Error/],
    [
      "too deep",
      "{ customers { edges { node { id orders { edges { node { id customer { orders { edges { node { id lineItems { edges { node { id } } } } } } } } } } } } } }",
      /nesting depth greater than 2/,
    ],
    [
      "too many connections",
      `{ customers { edges { node { id a: orders { edges { node { id lineItems { edges { node { id } } } } } }
         b: orders { edges { node { id lineItems { edges { node { id } } } } } } c: orders { edges { node { id } } } } } } }`,
      /more than 5 connections/,
    ],
    [
      "parent without id",
      "{ orders { edges { node { name lineItems { edges { node { id } } } } } } }",
      /must select the 'id' field/,
    ],
    ["nodes", "{ customers { nodes { id } } }", /Selecting via 'nodes' is not supported/],
    [
      "mutation",
      `mutation { bulkOperationCancel(id: "x") { userErrors { message } } }`,
      /Only `query` operations/,
    ],
  ];
  for (const [name, query, message] of cases) {
    it(`rejects ${name} with INVALID`, async () => {
      const result = await run("bulk", query);
      expect(result.bulkOperation).toBeNull();
      expect(result.userErrors.length).toBeGreaterThan(0);
      expect(result.userErrors.every((e) => e.code === "INVALID" && e.field?.[0] === "query")).toBe(
        true,
      );
      expect(result.userErrors.map((e) => e.message).join("\n")).toMatch(message);
    });
  }

  it("allows five runs at once from 2026-01 and answers LIMIT_REACHED for a sixth", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await run("limits", "{ customers { edges { node { id } } } }");
      expect(result.userErrors).toEqual([]);
      ids.push(result.bulkOperation?.id ?? "");
    }
    const sixth = await run("limits", "{ customers { edges { node { id } } } }");
    expect(sixth.bulkOperation).toBeNull();
    expect(sixth.userErrors).toMatchObject([{ code: "LIMIT_REACHED" }]);
    const older = await run(
      "limits",
      "{ customers { edges { node { id } } } }",
      undefined,
      "2025-10",
    );
    expect(older.userErrors).toMatchObject([{ code: "OPERATION_IN_PROGRESS" }]);
    for (const id of ids) await standIn.finishBulkOperation("limits", id);
    const listed = await graphql(
      standIn,
      "limits.myshopify.com",
      tokens.limits ?? "",
      `
        {
          bulkOperations(first: 10, query: "status:completed") {
            nodes {
              id
              status
            }
          }
          currentBulkOperation {
            id
          }
        }
      `,
    );
    expect(
      pick<{ id: string }[]>(listed.body, "data.bulkOperations.nodes").map((n) => n.id),
    ).toEqual([...ids].reverse());
    expect(pick(listed.body, "data.currentBulkOperation.id")).toBe(ids.at(-1));
  });
});

describe("manual bulk runs", () => {
  it("stay RUNNING until finished, failed or canceled", async () => {
    const a =
      (await run("manual", "{ customers { edges { node { id } } } }")).bulkOperation?.id ?? "";
    await standIn.waitForBulkOperation("manual", a, ["RUNNING"]);
    const advanced = await standIn.advanceBulkOperation("manual", a, 10);
    expect(advanced).toMatchObject({ status: "RUNNING", objectCount: "10" });
    const finished = await standIn.finishBulkOperation("manual", a);
    expect(finished).toMatchObject({
      status: "COMPLETED",
      objectCount: "60",
      rootObjectCount: "60",
    });

    const b = (await run("manual", ORDERS_QUERY)).bulkOperation?.id ?? "";
    const failed = await standIn.failBulkOperation("manual", b, "INTERNAL_SERVER_ERROR", {
      partialObjects: 50,
    });
    expect(failed).toMatchObject({
      status: "FAILED",
      errorCode: "INTERNAL_SERVER_ERROR",
      url: null,
    });
    const partial = parseJsonl(await (await fetch(failed.partialDataUrl ?? "")).text());
    expect(partial.length).toBeGreaterThanOrEqual(50);
    expect(partial.length).toBeLessThan(200);
    const view = await graphql(
      standIn,
      "manual.myshopify.com",
      tokens.manual ?? "",
      `
        query ($id: ID!) {
          bulkOperation(id: $id) {
            status
            errorCode
            partialDataUrl
            url
          }
        }
      `,
      { id: b },
    );
    expect(pick(view.body, "data.bulkOperation")).toEqual({
      status: "FAILED",
      errorCode: "INTERNAL_SERVER_ERROR",
      partialDataUrl: failed.partialDataUrl,
      url: null,
    });

    const c =
      (await run("manual", "{ customers { edges { node { id } } } }")).bulkOperation?.id ?? "";
    const cancel = await graphql(
      standIn,
      "manual.myshopify.com",
      tokens.manual ?? "",
      `
        mutation ($id: ID!) {
          bulkOperationCancel(id: $id) {
            bulkOperation {
              id
              status
            }
            userErrors {
              field
              message
            }
          }
        }
      `,
      { id: c },
    );
    expect(pick(cancel.body, "data.bulkOperationCancel")).toEqual({
      bulkOperation: { id: c, status: "CANCELING" },
      userErrors: [],
    });
    expect((await standIn.waitForBulkOperation("manual", c)).status).toBe("CANCELED");

    await standIn.waitForDeliveries();
    const finishes = app.received
      .filter((r) => r.headers["x-shopify-topic"] === "bulk_operations/finish")
      .map(
        (r) =>
          JSON.parse(r.body) as {
            admin_graphql_api_id: string;
            status: string;
            error_code: string | null;
          },
      );
    expect(finishes.find((f) => f.admin_graphql_api_id === b)).toMatchObject({
      status: "failed",
      error_code: "internal_server_error",
    });
    expect(finishes.find((f) => f.admin_graphql_api_id === c)).toMatchObject({
      status: "canceled",
    });
  });
});
