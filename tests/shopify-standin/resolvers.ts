// Field resolvers for the Admin schema subset. They take (source, args, context) only, so the
// bulk operation writer can call them outside graphql-js execution and both paths agree.
import { GraphQLError, buildSchema } from "graphql";
import type { GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema } from "graphql";
import { gid, graphqlDecimal, isoUtc, parseId } from "./format.ts";
import { currentTotalCents } from "./model.ts";
import type { Address, Customer, LineItem, Order, ShopInfo } from "./model.ts";
import { ADMIN_SDL } from "./schema.graphql.ts";
import { compileSearch } from "./search.ts";
import type { SearchFields } from "./search.ts";
import type { Shop } from "./shop.ts";

/** What a bulk operation looks like to GraphQL (owned by the bulk module). */
export interface BulkOperationView {
  kind: "BulkOperation";
  id: number;
  status: string;
  errorCode: string | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  url: string | null;
  partialDataUrl: string | null;
  createdAt: number;
  completedAt: number | null;
  query: string;
  type: "QUERY" | "MUTATION";
}

export interface BulkService {
  run(ctx: RequestContext, query: string, groupObjects: boolean | null | undefined): unknown;
  cancel(ctx: RequestContext, id: string): unknown;
  get(shop: Shop, id: number): BulkOperationView | undefined;
  list(shop: Shop): BulkOperationView[];
}

export interface RequestContext {
  shop: Shop;
  apiVersion: string;
  scopes: readonly string[];
  bulk: BulkService;
}

type Args = Record<string, unknown>;
type Resolver = (source: never, args: Args, ctx: RequestContext) => unknown;

interface ProductRef {
  kind: "Product";
  id: number;
  title: string;
}
interface VariantRef {
  kind: "ProductVariant";
  id: number;
  title: string;
  sku: string | null;
  product: ProductRef;
}

const CUSTOMER_FIELDS = new Set([
  "created_at",
  "updated_at",
  "id",
  "email",
  "first_name",
  "last_name",
  "phone",
  "state",
  "tag",
  "orders_count",
  "total_spent",
]);
const ORDER_FIELDS = new Set([
  "created_at",
  "updated_at",
  "processed_at",
  "id",
  "name",
  "email",
  "customer_id",
  "tag",
  "test",
  "financial_status",
  "fulfillment_status",
  "status",
]);
const BULK_FIELDS = new Set(["created_at", "id", "operation_type", "status"]);

export const SIXTY_DAYS = 60 * 86_400;

export function typeOf(value: object): string {
  if ("kind" in value && typeof value.kind === "string") return value.kind;
  if ("numberOfOrders" in value) return "Customer";
  if ("lineItems" in value) return "Order";
  if ("priceCents" in value) return "LineItem";
  if ("address1" in value) return "MailingAddress";
  if ("myshopifyDomain" in value || "plan" in value) return "Shop";
  return "Unknown";
}

function money(cents: number, currencyCode: string) {
  return { amount: graphqlDecimal(cents), currencyCode };
}

function moneyBag(cents: number, currencyCode: string) {
  const m = money(cents, currencyCode);
  return { shopMoney: m, presentmentMoney: m };
}

export function customerSearchFields(c: Customer): SearchFields {
  return {
    get(field) {
      switch (field) {
        case "created_at":
          return c.createdAt;
        case "updated_at":
          return c.updatedAt;
        case "id":
          return c.id;
        case "email":
          return c.email;
        case "first_name":
          return c.firstName;
        case "last_name":
          return c.lastName;
        case "phone":
          return c.phone;
        case "state":
          return c.state.toLowerCase();
        case "tag":
          return c.tags;
        case "orders_count":
          return c.numberOfOrders;
        case "total_spent":
          return c.amountSpentCents / 100;
        default:
          return undefined;
      }
    },
    text: () => [c.firstName, c.lastName, c.email, c.phone].filter(Boolean).join(" "),
  };
}

export function orderSearchFields(o: Order): SearchFields {
  return {
    get(field) {
      switch (field) {
        case "created_at":
          return o.createdAt;
        case "updated_at":
          return o.updatedAt;
        case "processed_at":
          return o.processedAt;
        case "id":
          return o.id;
        case "name":
          return o.name;
        case "email":
          return o.email;
        case "customer_id":
          return o.customerId;
        case "tag":
          return o.tags;
        case "test":
          return o.test;
        case "financial_status":
          return o.financialStatus.toLowerCase();
        case "fulfillment_status":
          return o.fulfillmentStatus === "FULFILLED"
            ? "shipped"
            : o.fulfillmentStatus.toLowerCase();
        case "status":
          return o.cancelledAt !== null ? "cancelled" : o.closedAt !== null ? "closed" : "open";
        default:
          return undefined;
      }
    },
    text: () => [o.name, o.email].filter(Boolean).join(" "),
  };
}

/** Orders older than 60 days are visible only with read_all_orders. */
export function orderVisible(ctx: RequestContext, order: Order): boolean {
  if (ctx.scopes.includes("read_all_orders")) return true;
  return order.createdAt >= ctx.shop.clock.current() - SIXTY_DAYS;
}

export function matchingCustomers(ctx: RequestContext, query: unknown): Customer[] {
  const search = compileSearch(
    query as string | undefined,
    CUSTOMER_FIELDS,
    ctx.shop.info.ianaTimezone,
  );
  const result: Customer[] = [];
  for (const c of ctx.shop.customers.values())
    if (search.matches(customerSearchFields(c))) result.push(c);
  return result;
}

export function matchingOrders(
  ctx: RequestContext,
  query: unknown,
  within?: Iterable<Order>,
): Order[] {
  const search = compileSearch(
    query as string | undefined,
    ORDER_FIELDS,
    ctx.shop.info.ianaTimezone,
  );
  const result: Order[] = [];
  for (const o of within ?? ctx.shop.orders.values()) {
    if (orderVisible(ctx, o) && search.matches(orderSearchFields(o))) result.push(o);
  }
  return result;
}

export function customerOrders(ctx: RequestContext, c: Customer): Order[] {
  const orders: Order[] = [];
  for (const id of ctx.shop.ordersByCustomer.get(c.id) ?? []) {
    const o = ctx.shop.orders.get(id);
    if (o && orderVisible(ctx, o)) orders.push(o);
  }
  return orders.sort((a, b) => a.id - b.id);
}

interface Cursor {
  id: number;
  value: number | string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ last_id: cursor.id, last_value: cursor.value })).toString(
    "base64",
  );
}

function decodeCursor(cursor: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64").toString("utf8")) as {
      last_id: number;
      last_value: number | string;
    };
    if (typeof parsed.last_id !== "number") throw new Error("bad cursor");
    return { id: parsed.last_id, value: parsed.last_value };
  } catch {
    throw new GraphQLError(`Invalid cursor for current pagination sort.`, {
      extensions: { code: "BAD_REQUEST" },
    });
  }
}

/** Relay pagination over an already sorted list. */
export function paginate<T>(items: readonly T[], args: Args, cursorOf: (item: T) => Cursor) {
  const first = args.first as number | null | undefined;
  const last = args.last as number | null | undefined;
  if ((first ?? null) === null && (last ?? null) === null) {
    throw new GraphQLError("you must provide one of first or last", {
      extensions: { code: "BAD_REQUEST" },
    });
  }
  if ((first ?? 0) > 250 || (last ?? 0) > 250) {
    throw new GraphQLError("The maximum number of items per page is 250.", {
      extensions: { code: "BAD_REQUEST" },
    });
  }
  let start = 0;
  let end = items.length;
  const find = (cursor: string) => {
    const { id } = decodeCursor(cursor);
    return items.findIndex((item) => cursorOf(item).id === id);
  };
  if (typeof args.after === "string") {
    const index = find(args.after);
    start = index === -1 ? items.length : index + 1;
  }
  if (typeof args.before === "string") {
    const index = find(args.before);
    end = index === -1 ? end : index;
  }
  let slice = items.slice(start, end);
  let hasNextPage = end < items.length;
  let hasPreviousPage = start > 0;
  if (typeof first === "number") {
    hasNextPage = hasNextPage || slice.length > first;
    slice = slice.slice(0, first);
  }
  if (typeof last === "number") {
    hasPreviousPage = hasPreviousPage || slice.length > last;
    slice = slice.slice(Math.max(0, slice.length - last));
  }
  const edges = slice.map((node) => ({ cursor: encodeCursor(cursorOf(node)), node }));
  return {
    edges,
    nodes: slice,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

type Sortable = { id: number; createdAt: number; updatedAt: number };

/** Sorts by the sort key. ID, CREATED_AT and PROCESSED_AT follow creation order, which is id order here. */
function sortBy<T extends Sortable>(
  items: T[],
  sortKey: unknown,
  reverse: unknown,
): { items: T[]; value: (t: T) => number | string } {
  let value: (t: T) => number | string = (t) => t.id;
  if (sortKey === "UPDATED_AT") {
    value = (t) => t.updatedAt;
    items.sort((a, b) => a.updatedAt - b.updatedAt || a.id - b.id);
  } else if (sortKey === "CREATED_AT" || sortKey === "PROCESSED_AT") {
    value = (t) => t.createdAt;
  }
  if (reverse === true) items.reverse();
  return { items, value };
}

function count(total: number, limit: unknown) {
  const max = typeof limit === "number" ? limit : null;
  if (max !== null && total > max) return { count: max, precision: "AT_LEAST" };
  return { count: total, precision: "EXACT" };
}

function lookupNode(ctx: RequestContext, id: string): object | null {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/.exec(id);
  if (!match) return null;
  const numeric = Number(match[2]);
  switch (match[1]) {
    case "Customer":
      return ctx.shop.customers.get(numeric) ?? null;
    case "Order": {
      const order = ctx.shop.orders.get(numeric);
      return order && orderVisible(ctx, order) ? order : null;
    }
    case "BulkOperation":
      return ctx.bulk.get(ctx.shop, numeric) ?? null;
    case "Shop":
      return numeric === ctx.shop.info.id ? ctx.shop.info : null;
    default:
      return null;
  }
}

function product(item: LineItem): ProductRef | null {
  return item.productId === null
    ? null
    : { kind: "Product", id: item.productId, title: item.title };
}

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  read_customers: "Read customers",
  read_orders: "Read orders",
  read_all_orders: "Read all orders",
};

export const resolvers: Record<string, Record<string, Resolver>> = {
  QueryRoot: {
    shop: (_s, _a, ctx) => ctx.shop.info,
    currentAppInstallation: (_s, _a, ctx) => ({
      kind: "AppInstallation",
      id: ctx.shop.info.id,
      accessScopes: ctx.scopes.map((handle) => ({
        handle,
        description: SCOPE_DESCRIPTIONS[handle] ?? handle,
      })),
    }),
    node: (_s, a, ctx) => lookupNode(ctx, String(a.id)),
    nodes: (_s, a, ctx) => (a.ids as string[]).map((id) => lookupNode(ctx, id)),
    customer: (_s, a, ctx) => {
      const id = parseId(String(a.id), "Customer");
      return id === null ? null : (ctx.shop.customers.get(id) ?? null);
    },
    customers: (_s, a, ctx) => {
      const { items, value } = sortBy(matchingCustomers(ctx, a.query), a.sortKey, a.reverse);
      return paginate(items, a, (c) => ({ id: c.id, value: value(c) }));
    },
    customersCount: (_s, a, ctx) => count(matchingCustomers(ctx, a.query).length, a.limit),
    order: (_s, a, ctx) => {
      const id = parseId(String(a.id), "Order");
      const order = id === null ? undefined : ctx.shop.orders.get(id);
      return order && orderVisible(ctx, order) ? order : null;
    },
    orders: (_s, a, ctx) => {
      const { items, value } = sortBy(matchingOrders(ctx, a.query), a.sortKey, a.reverse);
      return paginate(items, a, (o) => ({ id: o.id, value: value(o) }));
    },
    ordersCount: (_s, a, ctx) => count(matchingOrders(ctx, a.query).length, a.limit),
    bulkOperation: (_s, a, ctx) => {
      const id = parseId(String(a.id), "BulkOperation");
      return id === null ? null : (ctx.bulk.get(ctx.shop, id) ?? null);
    },
    bulkOperations: (_s, a, ctx) => {
      const search = compileSearch(
        a.query as string | undefined,
        BULK_FIELDS,
        ctx.shop.info.ianaTimezone,
      );
      const ops = ctx.bulk.list(ctx.shop).filter((op) =>
        search.matches({
          get: (field) =>
            field === "created_at"
              ? op.createdAt
              : field === "id"
                ? op.id
                : field === "operation_type"
                  ? op.type.toLowerCase()
                  : field === "status"
                    ? op.status.toLowerCase()
                    : undefined,
          text: () => op.query,
        }),
      );
      const key = a.sortKey === "COMPLETED_AT" ? "completedAt" : "createdAt";
      // Newest first by default, as Shopify documents; `reverse` flips it.
      ops.sort((x, y) => (y[key] ?? 0) - (x[key] ?? 0) || y.id - x.id);
      if (a.reverse === true) ops.reverse();
      return paginate(ops, a, (op) => ({ id: op.id, value: op[key] ?? 0 }));
    },
    currentBulkOperation: (_s, a, ctx) => {
      const type = (a.type as string | undefined) ?? "QUERY";
      const ops = ctx.bulk.list(ctx.shop).filter((op) => op.type === type);
      return ops.reduce<BulkOperationView | null>(
        (latest, op) => (latest && latest.id > op.id ? latest : op),
        null,
      );
    },
  },
  Mutation: {
    bulkOperationRunQuery: (_s, a, ctx) =>
      ctx.bulk.run(ctx, String(a.query), a.groupObjects as boolean | null | undefined),
    bulkOperationCancel: (_s, a, ctx) => ctx.bulk.cancel(ctx, String(a.id)),
  },
  Shop: {
    id: (s: ShopInfo) => gid("Shop", s.id),
    myshopifyDomain: (s: ShopInfo) => s.domain,
    url: (s: ShopInfo) => `https://${s.domain}`,
    createdAt: (s: ShopInfo) => isoUtc(s.createdAt),
  },
  AppInstallation: {
    id: (s: { id: number }) => gid("AppInstallation", s.id),
  },
  Customer: {
    id: (c: Customer) => gid("Customer", c.id),
    legacyResourceId: (c: Customer) => c.id,
    displayName: (c: Customer) =>
      [c.firstName, c.lastName].filter(Boolean).join(" ") || c.email || c.phone || "",
    validEmailAddress: (c: Customer) => c.email !== null,
    canDelete: (c: Customer, _a, ctx) => (ctx.shop.ordersByCustomer.get(c.id)?.size ?? 0) === 0,
    numberOfOrders: (c: Customer) => c.numberOfOrders,
    amountSpent: (c: Customer, _a, ctx) => money(c.amountSpentCents, ctx.shop.info.currencyCode),
    lastOrder: (c: Customer, _a, ctx) =>
      c.lastOrderId === null ? null : (ctx.shop.orders.get(c.lastOrderId) ?? null),
    createdAt: (c: Customer) => isoUtc(c.createdAt),
    updatedAt: (c: Customer) => isoUtc(c.updatedAt),
    defaultEmailAddress: (c: Customer) => (c.email === null ? null : { emailAddress: c.email }),
    defaultPhoneNumber: (c: Customer) => (c.phone === null ? null : { phoneNumber: c.phone }),
    defaultAddress: (c: Customer) => c.address,
    addresses: (c: Customer) => (c.address ? [c.address] : []),
    orders: (c: Customer, a, ctx) => {
      const { items, value } = sortBy(
        matchingOrders(ctx, a.query, customerOrders(ctx, c)),
        a.sortKey,
        a.reverse,
      );
      return paginate(items, a, (o) => ({ id: o.id, value: value(o) }));
    },
  },
  MailingAddress: {
    id: (m: Address) => gid("MailingAddress", m.id),
    countryCodeV2: (m: Address) => m.countryCode,
    name: (m: Address) => [m.firstName, m.lastName].filter(Boolean).join(" "),
  },
  Order: {
    id: (o: Order) => gid("Order", o.id),
    legacyResourceId: (o: Order) => o.id,
    customer: (o: Order, _a, ctx) =>
      o.customerId === null ? null : (ctx.shop.customers.get(o.customerId) ?? null),
    createdAt: (o: Order) => isoUtc(o.createdAt),
    updatedAt: (o: Order) => isoUtc(o.updatedAt),
    processedAt: (o: Order) => isoUtc(o.processedAt),
    cancelledAt: (o: Order) => (o.cancelledAt === null ? null : isoUtc(o.cancelledAt)),
    closed: (o: Order) => o.closedAt !== null,
    closedAt: (o: Order) => (o.closedAt === null ? null : isoUtc(o.closedAt)),
    confirmed: () => true,
    displayFinancialStatus: (o: Order) => o.financialStatus,
    displayFulfillmentStatus: (o: Order) => o.fulfillmentStatus,
    fullyPaid: (o: Order) => o.financialStatus === "PAID",
    unpaid: (o: Order) => o.financialStatus === "PENDING" || o.financialStatus === "AUTHORIZED",
    currencyCode: (_o: Order, _a, ctx) => ctx.shop.info.currencyCode,
    presentmentCurrencyCode: (_o: Order, _a, ctx) => ctx.shop.info.currencyCode,
    totalPriceSet: (o: Order, _a, ctx) => moneyBag(o.totalCents, ctx.shop.info.currencyCode),
    subtotalPriceSet: (o: Order, _a, ctx) => moneyBag(o.subtotalCents, ctx.shop.info.currencyCode),
    currentTotalPriceSet: (o: Order, _a, ctx) =>
      moneyBag(currentTotalCents(o), ctx.shop.info.currencyCode),
    currentSubtotalPriceSet: (o: Order, _a, ctx) =>
      moneyBag(o.subtotalCents, ctx.shop.info.currencyCode),
    totalTaxSet: (o: Order, _a, ctx) => moneyBag(o.taxCents, ctx.shop.info.currencyCode),
    totalDiscountsSet: (o: Order, _a, ctx) => moneyBag(o.discountCents, ctx.shop.info.currencyCode),
    totalShippingPriceSet: (o: Order, _a, ctx) =>
      moneyBag(o.shippingCents, ctx.shop.info.currencyCode),
    shippingAddress: (o: Order) => o.shippingAddress,
    lineItems: (o: Order, a) => {
      const items = a.reverse === true ? [...o.lineItems].reverse() : o.lineItems;
      return paginate(items, a, (i) => ({ id: i.id, value: i.id }));
    },
  },
  LineItem: {
    id: (i: LineItem) => gid("LineItem", i.id),
    name: (i: LineItem) => (i.variantTitle ? `${i.title} - ${i.variantTitle}` : i.title),
    currentQuantity: (i: LineItem) => i.quantity,
    isGiftCard: () => false,
    originalUnitPriceSet: (i: LineItem, _a, ctx) =>
      moneyBag(i.priceCents, ctx.shop.info.currencyCode),
    discountedUnitPriceSet: (i: LineItem, _a, ctx) =>
      moneyBag(i.priceCents, ctx.shop.info.currencyCode),
    originalTotalSet: (i: LineItem, _a, ctx) =>
      moneyBag(i.priceCents * i.quantity, ctx.shop.info.currencyCode),
    product: (i: LineItem) => product(i),
    variant: (i: LineItem): VariantRef | null => {
      const p = product(i);
      return i.variantId === null || p === null
        ? null
        : {
            kind: "ProductVariant",
            id: i.variantId,
            title: i.variantTitle ?? "Default Title",
            sku: i.sku,
            product: p,
          };
    },
  },
  Product: { id: (p: ProductRef) => gid("Product", p.id) },
  ProductVariant: { id: (v: VariantRef) => gid("ProductVariant", v.id) },
  BulkOperation: {
    id: (b: BulkOperationView) => gid("BulkOperation", b.id),
    createdAt: (b: BulkOperationView) => isoUtc(b.createdAt),
    completedAt: (b: BulkOperationView) => (b.completedAt === null ? null : isoUtc(b.completedAt)),
  },
};

/** Connections that a bulk query may nest, with every child (bulk ignores page sizes). */
export const bulkChildren: Record<
  string,
  (source: never, args: Args, ctx: RequestContext) => Iterable<object>
> = {
  "Customer.orders": (c: Customer, a, ctx) => matchingOrders(ctx, a.query, customerOrders(ctx, c)),
  "Order.lineItems": (o: Order) => o.lineItems,
};

/** Root connections a bulk query may start from. */
export const bulkRoots: Record<string, (args: Args, ctx: RequestContext) => object[]> = {
  customers: (a, ctx) => matchingCustomers(ctx, a.query),
  orders: (a, ctx) => matchingOrders(ctx, a.query),
};

export function buildAdminSchema(): GraphQLSchema {
  const schema = buildSchema(ADMIN_SDL);
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName) as GraphQLObjectType | undefined;
    if (!type) throw new Error(`Unknown type ${typeName}`);
    const defs = type.getFields();
    for (const [fieldName, resolve] of Object.entries(fields)) {
      const def = defs[fieldName];
      if (!def) throw new Error(`Unknown field ${typeName}.${fieldName}`);
      def.resolve = (source, args, ctx) =>
        resolve(source as never, args as Args, ctx as RequestContext);
    }
  }
  (schema.getType("Node") as GraphQLInterfaceType).resolveType = (value) => typeOf(value as object);
  const scalars: Record<string, (v: unknown) => unknown> = {
    UnsignedInt64: (v) => String(v),
    Decimal: (v) => String(v),
    DateTime: (v) => String(v),
    URL: (v) => String(v),
  };
  for (const [name, serialize] of Object.entries(scalars)) {
    const scalar = schema.getType(name);
    if (scalar && "serialize" in scalar) scalar.serialize = serialize;
  }
  return schema;
}
