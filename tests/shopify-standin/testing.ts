// Helpers for the stand-in's own tests: a fake app that receives webhooks, a GraphQL caller, and
// Shopify's own library configured like an app would configure it.
// The web-api adapter, as shopify-app-remix loads it (Fetch API requests and responses).
import "@shopify/shopify-api/adapters/web-api";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiVersion, LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { startShopifyStandIn } from "./index.ts";
import type { GroundTruth, StandIn, StandInOptions } from "./index.ts";

export const API_KEY = "standin-test-api-key";
export const API_SECRET = "standin-test-api-secret";

export function shopifyLibrary() {
  return shopifyApi({
    apiKey: API_KEY,
    apiSecretKey: API_SECRET,
    apiVersion: ApiVersion.October26,
    hostName: "recur.test",
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error, log: async () => undefined },
  });
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  status: number;
  /** Filled when the fake app validates webhooks with @shopify/shopify-api. */
  validation?: unknown;
}

/** A received request as the Fetch API Request an app framework (Remix) would see. */
export function toFetchRequest(baseUrl: string, entry: Received): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(entry.headers)) {
    if (typeof value === "string") headers.set(name, value);
  }
  return new Request(new URL(entry.path, baseUrl), {
    method: entry.method,
    headers,
    body: entry.body,
  });
}

export type Responder = (request: Received, req: IncomingMessage) => number | Promise<number>;

export interface FakeApp {
  url: string;
  received: Received[];
  respond: Responder;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** An HTTP server standing in for Recur's webhook endpoint; `respond` picks each status code. */
export async function startFakeApp(
  respond: Responder = () => 200,
  onRequest?: (
    received: Received,
    req: IncomingMessage,
    res: ServerResponse,
  ) => Promise<void> | void,
): Promise<FakeApp> {
  const received: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const app: FakeApp = {
    url: "",
    received,
    respond,
    waitFor(count, timeoutMs = 10_000) {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${received.length} of ${count} requests arrived`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const entry: Received = {
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          at: Date.now(),
          status: 0,
        };
        try {
          if (onRequest) await onRequest(entry, req, res);
          entry.status = await app.respond(entry, req);
        } catch (error) {
          entry.validation = { error: String(error) };
          entry.status = res.headersSent ? 0 : 500;
        }
        received.push(entry);
        for (let i = waiters.length - 1; i >= 0; i--) {
          const waiter = waiters[i];
          if (waiter && received.length >= waiter.count) {
            waiters.splice(i, 1);
            waiter.resolve();
          }
        }
        if (entry.status > 0) {
          res.writeHead(entry.status);
          res.end();
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  app.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return app;
}

export async function startStandIn(
  app: FakeApp,
  options: Partial<StandInOptions> = {},
): Promise<StandIn> {
  return startShopifyStandIn({
    appUrl: app.url,
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    ...options,
  });
}

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  // The tests read responses loosely, as Recur's code would read JSON.
  body: {
    data?: Record<string, unknown> | null;
    errors?: unknown;
    extensions?: {
      cost: {
        requestedQueryCost: number;
        actualQueryCost: number | null;
        throttleStatus: Record<string, number>;
      };
    };
  };
}

export async function graphql(
  standIn: StandIn,
  shop: string,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  version = "2026-10",
): Promise<GraphQLResponse> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Forwarded-Host": shop,
  };
  if (token) headers["X-Shopify-Access-Token"] = token;
  const response = await fetch(`${standIn.url}/admin/api/${version}/graphql.json`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLResponse["body"],
  };
}

/** Reads a nested value from a GraphQL response (`pick(body, "data.bulkOperationRunQuery.bulkOperation.id")`). */
export function pick<T = unknown>(value: unknown, path: string): T {
  let current = value;
  for (const key of path.split(".")) {
    current =
      current === null || current === undefined
        ? undefined
        : (current as Record<string, unknown>)[key];
  }
  return current as T;
}

export const RUN_BULK = `mutation Run($query: String!, $groupObjects: Boolean) {
  bulkOperationRunQuery(query: $query, groupObjects: $groupObjects) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`;

export function parseJsonl(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Reads bulk output (customers file; orders file with line item children) back into the ground-truth shape. */
export function fromBulk(
  customers: Record<string, unknown>[],
  rows: Record<string, unknown>[],
): GroundTruth {
  const numeric = (value: unknown) =>
    value ? String(value).replace(/^gid:\/\/shopify\/\w+\//, "") : null;
  const orders = rows.filter((r) => !("__parentId" in r));
  return {
    customers: customers.map((c) => ({
      id: numeric(c.id) ?? "",
      email: c.email as string | null,
      firstName: c.firstName as string | null,
      lastName: c.lastName as string | null,
      phone: c.phone as string | null,
      state: c.state as GroundTruth["customers"][number]["state"],
      tags: c.tags as string[],
      verifiedEmail: c.verifiedEmail as boolean,
      numberOfOrders: Number(c.numberOfOrders),
      amountSpent: pick<string>(c, "amountSpent.amount"),
      currencyCode: pick<string>(c, "amountSpent.currencyCode"),
      createdAt: c.createdAt as string,
      updatedAt: c.updatedAt as string,
    })),
    orders: orders.map((o) => ({
      id: numeric(o.id) ?? "",
      name: o.name as string,
      email: o.email as string | null,
      customerId: numeric(pick(o, "customer.id")),
      createdAt: o.createdAt as string,
      updatedAt: o.updatedAt as string,
      processedAt: o.processedAt as string,
      cancelledAt: o.cancelledAt as string | null,
      cancelReason: o.cancelReason as string | null,
      displayFinancialStatus: o.displayFinancialStatus as string,
      displayFulfillmentStatus: o.displayFulfillmentStatus as string,
      currencyCode: o.currencyCode as string,
      totalPrice: pick<string>(o, "totalPriceSet.shopMoney.amount"),
      subtotalPrice: pick<string>(o, "subtotalPriceSet.shopMoney.amount"),
      currentTotalPrice: pick<string>(o, "currentTotalPriceSet.shopMoney.amount"),
      test: o.test as boolean,
      tags: o.tags as string[],
      lineItems: rows
        .filter((r) => r.__parentId === o.id)
        .map((l) => ({
          id: numeric(l.id) ?? "",
          title: l.title as string,
          variantTitle: l.variantTitle as string | null,
          sku: l.sku as string | null,
          quantity: l.quantity as number,
          price: pick<string>(l, "originalUnitPriceSet.shopMoney.amount"),
          productId: numeric(pick(l, "product.id")),
          variantId: numeric(pick(l, "variant.id")),
        })),
    })),
  };
}

/** Bulk queries selecting every ground-truth field. */
export const CUSTOMERS_QUERY = `{ customers { edges { node {
  id email firstName lastName phone state tags verifiedEmail numberOfOrders
  amountSpent { amount currencyCode } createdAt updatedAt } } } }`;

export const ORDERS_QUERY = `{ orders { edges { node {
  id name email customer { id } createdAt updatedAt processedAt cancelledAt cancelReason
  displayFinancialStatus displayFulfillmentStatus currencyCode test tags
  totalPriceSet { shopMoney { amount } } subtotalPriceSet { shopMoney { amount } }
  currentTotalPriceSet { shopMoney { amount } }
  lineItems { edges { node { id title variantTitle sku quantity
    originalUnitPriceSet { shopMoney { amount } } product { id } variant { id } } } } } } } }`;
