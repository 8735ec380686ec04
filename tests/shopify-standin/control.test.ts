import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeakyBucket } from "./cost.ts";
import type { DeliveryRecord, SeededShop } from "./index.ts";
import { API_KEY, API_SECRET, RUN_BULK, graphql, pick, startFakeApp } from "./testing.ts";
import type { FakeApp } from "./testing.ts";

let app: FakeApp;

beforeAll(async () => {
  app = await startFakeApp();
});

afterAll(async () => {
  await app.close();
});

describe("the stand-in as its own process", () => {
  it("prints its URLs, takes control over HTTP and exits cleanly on SIGTERM", async () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      [
        main,
        "--app-url",
        app.url,
        "--api-key",
        API_KEY,
        "--api-secret",
        API_SECRET,
        "--shop",
        "cli:10:20:EUR",
        "--install",
        "--quiet",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const lines: string[] = [];
      let ready: { url: string; shops: SeededShop[] } | undefined;
      for await (const line of createInterface({ input: child.stdout })) {
        lines.push(line);
        if (line.startsWith("STANDIN_READY ")) {
          ready = JSON.parse(line.slice("STANDIN_READY ".length)) as {
            url: string;
            shops: SeededShop[];
          };
          break;
        }
      }
      expect(ready?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const base = `${ready?.url}/_standin`;
      expect(lines.join("\n")).toContain(`admin: ${ready?.url}/store/cli/apps/recur`);
      const shop = ready?.shops[0];
      expect(shop).toMatchObject({
        shop: "cli.myshopify.com",
        currencyCode: "EUR",
        customers: 10,
        orders: 20,
        installed: true,
      });

      const call = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: { "Content-Type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return {
          status: response.status,
          body: (await response.json()) as Record<string, unknown>,
        };
      };
      expect((await call("GET", "/health")).body).toMatchObject({ ok: true });
      const created = await call("POST", "/shops/cli/customers", {
        email: "new@example.com",
        tags: ["x"],
      });
      expect(created.status).toBe(201);
      const id = String(created.body.id);
      expect(
        (await call("PATCH", `/shops/cli/customers/${id}`, { lastName: "Changed" })).body,
      ).toMatchObject({ lastName: "Changed" });
      const order = await call("POST", "/shops/cli/orders", { customerId: id });
      expect(
        (
          await call("PATCH", `/shops/cli/orders/${String(order.body.id)}`, {
            cancel: { reason: "FRAUD" },
          })
        ).body,
      ).toMatchObject({
        cancelReason: "FRAUD",
      });
      expect((await call("DELETE", `/shops/cli/orders/${String(order.body.id)}`)).status).toBe(200);
      expect((await call("DELETE", `/shops/cli/customers/${id}`)).status).toBe(200);
      expect((await call("DELETE", `/shops/cli/customers/999`)).status).toBe(404);
      expect(
        ((await call("POST", "/shops/cli/burst", { count: 5 })).body.changes as unknown[]).length,
      ).toBe(5);
      expect((await call("PUT", "/shops/cli/faults", { dropRate: 0 })).body).toEqual({
        dropRate: 0,
      });
      expect(
        (await call("POST", "/shops/cli/webhooks", { topic: "orders/create", rawBody: "{" }))
          .status,
      ).toBe(201);
      expect((await call("POST", "/shops/cli/compliance/shop-redact")).status).toBe(200);
      expect((await call("POST", "/deliveries/wait-idle", { timeoutMs: 10_000 })).body).toEqual({
        idle: true,
      });
      const deliveries = (await fetch(`${base}/deliveries?shop=cli`).then((r) =>
        r.json(),
      )) as DeliveryRecord[];
      expect(deliveries.every((d) => d.status === "delivered")).toBe(true);
      expect(deliveries.map((d) => d.topic)).toContain("shop/redact");
      const truth = (await call("GET", "/shops/cli/ground-truth")).body as {
        customers: unknown[];
        orders: unknown[];
      };
      expect(truth.customers.length).toBeGreaterThan(0);

      await call("PUT", "/bulk-mode", { mode: "manual", shop: "cli" });
      const token = String(shop?.accessToken);
      const fakeStandIn = { url: String(ready?.url) } as Parameters<typeof graphql>[0];
      const run = await graphql(fakeStandIn, "cli.myshopify.com", token, RUN_BULK, {
        query: "{ orders { edges { node { id } } } }",
      });
      const bulkId = encodeURIComponent(
        pick<string>(run.body, "data.bulkOperationRunQuery.bulkOperation.id"),
      );
      expect(
        (await call("POST", `/shops/cli/bulk-operations/${bulkId}/wait`, { statuses: ["RUNNING"] }))
          .body,
      ).toMatchObject({ status: "RUNNING" });
      expect(
        (await call("POST", `/shops/cli/bulk-operations/${bulkId}/fail`, { errorCode: "TIMEOUT" }))
          .body,
      ).toMatchObject({
        status: "FAILED",
        errorCode: "TIMEOUT",
      });
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });
});

describe("the leaky bucket", () => {
  it("restores at its rate up to its size", () => {
    let now = 0;
    const bucket = new LeakyBucket(100, 10, () => now);
    expect(bucket.take(80)).toBe(true);
    expect(bucket.take(30)).toBe(false);
    expect(bucket.status().currentlyAvailable).toBe(20);
    now += 1_500;
    expect(bucket.status().currentlyAvailable).toBe(35);
    expect(bucket.take(30)).toBe(true);
    now += 60_000;
    expect(bucket.status().currentlyAvailable).toBe(100);
  });
});
