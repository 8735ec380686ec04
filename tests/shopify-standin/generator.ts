// Seeded, deterministic store data: the same seed and shop domain always give the same shop.
import { Faker, base, de, en, en_AU, en_CA, en_GB, en_US } from "@faker-js/faker";
import type { LocaleDefinition } from "@faker-js/faker";
import type {
  Address,
  CancelReason,
  CatalogVariant,
  Customer,
  CustomerState,
  FinancialStatus,
  FulfillmentStatus,
  LineItem,
  Order,
  ShopInfo,
} from "./model.ts";

export interface GenerateShopOptions {
  domain: string;
  seed: number;
  customers: number;
  orders: number;
  /** Shop name; generated when absent. */
  name?: string;
  /** ISO 4217 code; picked from the seed when absent. */
  currencyCode?: string;
  /** Last moment of the generated history (seconds). */
  endsAt: number;
  /** How many years of history to spread the data over. */
  years: number;
  /**
   * How orders fall on customers. `even` (the default): buyers picked at random, older customers
   * more often. `lifelike`: a long tail of one-time buyers, a few very frequent customers,
   * customers who lapsed months ago next to recent ones, and partial refunds, so that every RFM
   * segment of docs/rfm.md has customers (the demo's shop).
   */
  history?: PurchaseHistory;
}

export type PurchaseHistory = "even" | "lifelike";

export interface GeneratedShop {
  info: ShopInfo;
  customers: Customer[];
  orders: Order[];
  catalog: CatalogVariant[];
  ids: IdSequences;
}

/** Next free numeric id per resource kind; ids grow with creation time, as Shopify's do. */
export interface IdSequences {
  customer: number;
  order: number;
  orderNumber: number;
  lineItem: number;
  address: number;
}

const CURRENCIES: Record<
  string,
  { zone: string; locale: LocaleDefinition; taxRate: number; country: string }
> = {
  USD: { zone: "America/New_York", locale: en_US, taxRate: 0.07, country: "US" },
  EUR: { zone: "Europe/Berlin", locale: de, taxRate: 0.19, country: "DE" },
  GBP: { zone: "Europe/London", locale: en_GB, taxRate: 0.2, country: "GB" },
  CAD: { zone: "America/Toronto", locale: en_CA, taxRate: 0.13, country: "CA" },
  AUD: { zone: "Australia/Sydney", locale: en_AU, taxRate: 0.1, country: "AU" },
};

export const SUPPORTED_CURRENCIES = Object.keys(CURRENCIES);

const COUNTRY_NAMES: Record<string, string> = {
  US: "United States",
  DE: "Germany",
  GB: "United Kingdom",
  CA: "Canada",
  AU: "Australia",
};

const CUSTOMER_TAGS = [
  "vip",
  "wholesale",
  "newsletter",
  "repeat",
  "friends-and-family",
  "b2b",
  "returning",
];
const ORDER_TAGS = [
  "gift",
  "priority",
  "subscription",
  "wholesale",
  "instagram",
  "pos",
  "preorder",
];
const CUSTOM_ITEMS = [
  "Gift wrapping",
  "Custom engraving",
  "Rush handling",
  "Care plan (2 years)",
  "Tip",
];
const CANCEL_REASONS: CancelReason[] = [
  "CUSTOMER",
  "DECLINED",
  "FRAUD",
  "INVENTORY",
  "OTHER",
  "STAFF",
];
const SIZES = ["XS", "S", "M", "L", "XL"];

/** A stable 32-bit hash (FNV-1a) so a shop's ids and data depend on its own domain only. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function idBase(domain: string): number {
  return 7_000_000_000_000 + (hash32(domain) % 900) * 1_000_000_000;
}

export function shopLocale(currencyCode: string): LocaleDefinition {
  return CURRENCIES[currencyCode]?.locale ?? en_US;
}

/** The country a shop of this currency sits in (and its customers mostly live in). */
export function shopCountry(currencyCode: string): string {
  return CURRENCIES[currencyCode]?.country ?? "US";
}

export function taxRate(currencyCode: string): number {
  return CURRENCIES[currencyCode]?.taxRate ?? 0.1;
}

export function makeFaker(seed: number, currencyCode: string): Faker {
  const faker = new Faker({ locale: [shopLocale(currencyCode), en, base] });
  faker.seed(seed);
  return faker;
}

export function generateShop(options: GenerateShopOptions): GeneratedShop {
  const seed = (options.seed ^ hash32(options.domain)) >>> 0;
  const picker = new Faker({ locale: [en, base] });
  picker.seed(seed);
  const currencyCode =
    options.currencyCode ?? picker.helpers.arrayElement(SUPPORTED_CURRENCIES.slice());
  const config = CURRENCIES[currencyCode];
  const faker = makeFaker(seed, currencyCode);
  const handle = options.domain.replace(/\.myshopify\.com$/, "");
  const firstId = idBase(options.domain);
  const ids: IdSequences = {
    customer: firstId + 1,
    order: firstId + 100_000_000,
    orderNumber: 1001,
    lineItem: firstId + 200_000_000,
    address: firstId + 500_000_000,
  };
  const end = options.endsAt;
  const start = end - Math.round(options.years * 365.25 * 86_400);
  const info: ShopInfo = {
    id: 60_000_000_000 + (hash32(options.domain) % 9_000_000_000),
    domain: options.domain,
    handle,
    name: options.name ?? `${faker.company.name()} ${faker.commerce.department()}`,
    email: `owner@${handle}.example.com`,
    currencyCode,
    ianaTimezone: config?.zone ?? "UTC",
    plan: {
      displayName: "Basic",
      publicDisplayName: "Basic",
      partnerDevelopment: true,
      shopifyPlus: false,
    },
    createdAt: start - 86_400 * 30,
  };

  const catalog = generateCatalog(faker, firstId);
  const customers = generateCustomers(
    faker,
    options.customers,
    start,
    end,
    ids,
    config?.country ?? "US",
  );
  const orders = generateOrders(
    faker,
    options.orders,
    customers,
    catalog,
    start,
    end,
    ids,
    currencyCode,
    options.history ?? "even",
  );
  return { info, customers, orders, catalog, ids };
}

function generateCatalog(faker: Faker, base: number): CatalogVariant[] {
  const variants: CatalogVariant[] = [];
  let productId = base + 300_000_000;
  let variantId = base + 400_000_000;
  for (let p = 0; p < 120; p++) {
    productId += 1;
    const title = faker.commerce.productName();
    const vendor = faker.company.name();
    const basePrice = faker.helpers.arrayElement([
      5, 9, 12, 15, 19, 24, 29, 35, 45, 59, 79, 99, 149, 249,
    ]);
    const cents = faker.helpers.arrayElement([0, 50, 95, 99]);
    const sized = faker.number.int({ min: 0, max: 2 }) === 0;
    const variantTitles: (string | null)[] = sized
      ? faker.helpers.arrayElements(SIZES, { min: 2, max: 4 })
      : [null];
    for (const variantTitle of variantTitles) {
      variantId += 1;
      variants.push({
        productId,
        variantId,
        productTitle: title,
        variantTitle,
        sku: `SKU-${productId % 100_000}-${variantTitle ?? "STD"}`,
        vendor,
        priceCents: basePrice * 100 + cents,
        grams: faker.number.int({ min: 50, max: 2_500 }),
      });
    }
  }
  return variants;
}

export function generateAddress(
  faker: Faker,
  id: number,
  firstName: string | null,
  lastName: string | null,
  countryCode: string,
): Address {
  const provinceCode = faker.location.state({ abbreviated: true });
  return {
    id,
    firstName,
    lastName,
    company: faker.number.int({ min: 0, max: 9 }) === 0 ? faker.company.name() : null,
    address1: faker.location.streetAddress(),
    address2: faker.number.int({ min: 0, max: 4 }) === 0 ? faker.location.secondaryAddress() : null,
    city: faker.location.city(),
    province: faker.location.state(),
    provinceCode,
    country: COUNTRY_NAMES[countryCode] ?? countryCode,
    countryCode,
    zip: faker.location.zipCode(),
    phone: null,
  };
}

function pickState(faker: Faker): CustomerState {
  return faker.helpers.weightedArrayElement([
    { weight: 70, value: "DISABLED" as const },
    { weight: 25, value: "ENABLED" as const },
    { weight: 3, value: "INVITED" as const },
    { weight: 2, value: "DECLINED" as const },
  ]);
}

export function pickTags(faker: Faker, pool: readonly string[]): string[] {
  const count = faker.helpers.weightedArrayElement([
    { weight: 60, value: 0 },
    { weight: 25, value: 1 },
    { weight: 10, value: 2 },
    { weight: 5, value: 3 },
  ]);
  return count === 0 ? [] : faker.helpers.arrayElements(pool.slice(), count).sort();
}

export function newCustomerFields(faker: Faker, uniqueSuffix: number) {
  const firstName = faker.person.firstName();
  const lastName = faker.person.lastName();
  const hasEmail = faker.number.int({ min: 0, max: 19 }) !== 0;
  const hasPhone = !hasEmail || faker.number.int({ min: 0, max: 9 }) < 3;
  const email = hasEmail
    ? faker.internet
        .email({ firstName, lastName, provider: "example.com" })
        .toLowerCase()
        .replace("@", `.${uniqueSuffix}@`)
    : null;
  return {
    firstName,
    lastName,
    email,
    phone: hasPhone ? `+1${faker.string.numeric({ length: 10, allowLeadingZeros: false })}` : null,
    state: pickState(faker),
    tags: pickTags(faker, CUSTOMER_TAGS),
    verifiedEmail: hasEmail && faker.number.int({ min: 0, max: 19 }) !== 0,
    note: faker.number.int({ min: 0, max: 14 }) === 0 ? faker.lorem.sentence() : null,
  };
}

function generateCustomers(
  faker: Faker,
  count: number,
  start: number,
  end: number,
  ids: IdSequences,
  countryCode: string,
): Customer[] {
  // Creation times grow over the years (a shop gains customers faster as it grows).
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    times.push(start + Math.floor(Math.sqrt(faker.number.float()) * (end - start)));
  }
  times.sort((a, b) => a - b);
  const customers: Customer[] = [];
  for (let i = 0; i < count; i++) {
    const createdAt = times[i] ?? start;
    const id = ids.customer++;
    const fields = newCustomerFields(faker, id % 1_000_000);
    const address =
      faker.number.int({ min: 0, max: 9 }) < 8
        ? generateAddress(faker, ids.address++, fields.firstName, fields.lastName, countryCode)
        : null;
    const updatedAt =
      createdAt + Math.floor(faker.number.float() ** 3 * Math.max(0, end - createdAt));
    customers.push({
      id,
      ...fields,
      taxExempt: false,
      address,
      createdAt,
      updatedAt,
      numberOfOrders: 0,
      amountSpentCents: 0,
      lastOrderId: null,
    });
  }
  return customers;
}

export function pickLineItems(
  faker: Faker,
  catalog: readonly CatalogVariant[],
  ids: IdSequences,
): LineItem[] {
  const count = faker.helpers.weightedArrayElement([
    { weight: 45, value: 1 },
    { weight: 25, value: 2 },
    { weight: 15, value: 3 },
    { weight: 10, value: 4 },
    { weight: 5, value: 5 },
  ]);
  const items: LineItem[] = [];
  for (let i = 0; i < count; i++) {
    const quantity = faker.helpers.weightedArrayElement([
      { weight: 80, value: 1 },
      { weight: 15, value: 2 },
      { weight: 5, value: 3 },
    ]);
    if (faker.number.int({ min: 0, max: 19 }) === 0) {
      items.push({
        id: ids.lineItem++,
        title: faker.helpers.arrayElement(CUSTOM_ITEMS),
        variantTitle: null,
        sku: null,
        vendor: null,
        quantity,
        priceCents: faker.helpers.arrayElement([300, 500, 1000, 1500, 2500]),
        productId: null,
        variantId: null,
        requiresShipping: false,
        grams: 0,
      });
      continue;
    }
    const variant = catalog[faker.number.int({ min: 0, max: catalog.length - 1 })];
    if (!variant) continue;
    items.push({
      id: ids.lineItem++,
      title: variant.productTitle,
      variantTitle: variant.variantTitle,
      sku: variant.sku,
      vendor: variant.vendor,
      quantity,
      priceCents: variant.priceCents,
      productId: variant.productId,
      variantId: variant.variantId,
      requiresShipping: true,
      grams: variant.grams,
    });
  }
  return items;
}

export function orderTotals(
  lineItems: readonly LineItem[],
  discountPercent: number,
  shippingCents: number,
  rate: number,
) {
  const lineTotal = lineItems.reduce((sum, item) => sum + item.priceCents * item.quantity, 0);
  const discountCents = Math.round((lineTotal * discountPercent) / 100);
  const subtotalCents = lineTotal - discountCents;
  const taxCents = Math.round(subtotalCents * rate);
  return {
    discountCents,
    subtotalCents,
    shippingCents,
    taxCents,
    totalCents: subtotalCents + shippingCents + taxCents,
  };
}

function generateOrders(
  faker: Faker,
  count: number,
  customers: readonly Customer[],
  catalog: readonly CatalogVariant[],
  start: number,
  end: number,
  ids: IdSequences,
  currencyCode: string,
  history: PurchaseHistory,
): Order[] {
  const rate = taxRate(currencyCode);
  const drafts =
    history === "lifelike"
      ? lifelikeDrafts(faker, count, customers, start, end)
      : evenDrafts(faker, count, customers, start, end);
  drafts.sort((a, b) => a.createdAt - b.createdAt);

  const orders: Order[] = [];
  for (const draft of drafts) {
    const { customer, createdAt } = draft;
    const lineItems = pickLineItems(faker, catalog, ids);
    const discount = faker.number.int({ min: 0, max: 9 }) === 0 ? 10 : 0;
    const shipping = lineItems.some((item) => item.requiresShipping)
      ? faker.helpers.arrayElement([0, 0, 500, 1000])
      : 0;
    const totals = orderTotals(lineItems, discount, shipping, rate);
    const cancelled = faker.number.int({ min: 0, max: 99 }) < 4;
    const test = faker.number.int({ min: 0, max: 99 }) === 0;
    let financialStatus: FinancialStatus = faker.helpers.weightedArrayElement([
      { weight: 89, value: "PAID" as const },
      { weight: 4, value: "PENDING" as const },
      { weight: 3, value: "AUTHORIZED" as const },
      { weight: 4, value: "REFUNDED" as const },
    ]);
    // A lifelike shop also refunds part of an order now and then (a returned item).
    let partialRefundCents = 0;
    if (
      history === "lifelike" &&
      !cancelled &&
      financialStatus === "PAID" &&
      faker.number.int({ min: 0, max: 99 }) < 6
    ) {
      financialStatus = "PARTIALLY_REFUNDED";
      partialRefundCents = Math.round(
        totals.totalCents * faker.number.float({ min: 0.1, max: 0.6 }),
      );
    }
    let fulfillmentStatus: FulfillmentStatus;
    let updatedAt = Math.min(end, createdAt + faker.number.int({ min: 0, max: 600 }));
    let cancelledAt: number | null = null;
    let cancelReason: CancelReason | null = null;
    const recent = end - createdAt < 7 * 86_400;
    if (cancelled) {
      cancelledAt = Math.min(end, createdAt + faker.number.int({ min: 3_600, max: 5 * 86_400 }));
      cancelReason = faker.helpers.arrayElement(CANCEL_REASONS);
      financialStatus =
        financialStatus === "PAID" || financialStatus === "REFUNDED" ? "REFUNDED" : "VOIDED";
      fulfillmentStatus = "UNFULFILLED";
      updatedAt = Math.max(updatedAt, cancelledAt);
    } else {
      fulfillmentStatus = recent
        ? faker.helpers.arrayElement(["UNFULFILLED", "UNFULFILLED", "FULFILLED"] as const)
        : faker.helpers.weightedArrayElement([
            { weight: 93, value: "FULFILLED" as const },
            { weight: 2, value: "PARTIALLY_FULFILLED" as const },
            { weight: 5, value: "UNFULFILLED" as const },
          ]);
      if (fulfillmentStatus !== "UNFULFILLED") {
        updatedAt = Math.max(
          updatedAt,
          Math.min(end, createdAt + faker.number.int({ min: 3_600, max: 10 * 86_400 })),
        );
      }
    }
    const guestEmail =
      customer === null && faker.number.int({ min: 0, max: 4 }) !== 0
        ? `${faker.internet.username().toLowerCase()}.${ids.orderNumber}@example.org`
        : null;
    const number = ids.orderNumber++;
    orders.push({
      id: ids.order++,
      number: number - 1000,
      name: `#${number}`,
      email: customer ? customer.email : guestEmail,
      phone: customer ? customer.phone : null,
      customerId: customer ? customer.id : null,
      createdAt,
      updatedAt,
      processedAt: createdAt,
      cancelledAt,
      cancelReason,
      closedAt: cancelledAt,
      financialStatus,
      fulfillmentStatus,
      test,
      tags: pickTags(faker, ORDER_TAGS),
      note: null,
      sourceName: faker.helpers.weightedArrayElement([
        { weight: 85, value: "web" },
        { weight: 10, value: "pos" },
        { weight: 5, value: "shopify_draft_order" },
      ]),
      lineItems,
      ...totals,
      refundedCents: financialStatus === "REFUNDED" ? totals.totalCents : partialRefundCents,
      shippingAddress: customer?.address ?? null,
    });
  }
  return orders;
}

interface OrderDraft {
  customer: Customer | null;
  createdAt: number;
}

/** Buyers picked first, older customers more often (they have had more time to order again). */
function evenDrafts(
  faker: Faker,
  count: number,
  customers: readonly Customer[],
  start: number,
  end: number,
): OrderDraft[] {
  const drafts: OrderDraft[] = [];
  for (let i = 0; i < count; i++) {
    const guest = customers.length === 0 || faker.number.int({ min: 0, max: 99 }) < 8;
    const customer = guest
      ? null
      : (customers[Math.floor(faker.number.float() ** 1.6 * customers.length)] ?? null);
    const from = customer ? Math.max(customer.createdAt, start) : start;
    drafts.push({ customer, createdAt: from + Math.floor(faker.number.float() * (end - from)) });
  }
  return drafts;
}

const DAY = 86_400;

/**
 * A shop as merchants know it: each customer is a prospect (no order yet), a one-time buyer, an
 * occasional, a regular or a very frequent customer, and independently of that one who bought
 * lately, one cooling off, or one who lapsed long ago; 8 % of orders are guests'. The counts are
 * then evened out to exactly `count` orders (extra orders go to repeat buyers, as they would).
 */
function lifelikeDrafts(
  faker: Faker,
  count: number,
  customers: readonly Customer[],
  start: number,
  end: number,
): OrderDraft[] {
  const guests = customers.length === 0 ? count : Math.round(count * 0.08);
  const target = count - guests;
  const plans = customers.map((customer) => ({
    customer,
    orders: faker.helpers.weightedArrayElement([
      { weight: 14, value: 0 },
      { weight: 50, value: 1 },
      { weight: 22, value: faker.number.int({ min: 2, max: 3 }) },
      { weight: 10, value: faker.number.int({ min: 4, max: 8 }) },
      { weight: 4, value: faker.number.int({ min: 12, max: 30 }) },
    ]),
  }));
  let planned = plans.reduce((sum, plan) => sum + plan.orders, 0);
  const repeaters = plans.filter((plan) => plan.orders >= 2);
  for (let guard = 0; planned < target && guard < 10 * count; guard++) {
    const plan = repeaters.length > 0 ? faker.helpers.arrayElement(repeaters) : plans[0];
    if (!plan) break;
    plan.orders += 1;
    planned += 1;
  }
  for (let guard = 0; planned > target && guard < 100 * count; guard++) {
    // Trim repeat buyers first; only a shop with too few orders loses one-time buyers.
    const plan = faker.helpers.arrayElement(plans);
    if (plan.orders > 1 || (plan.orders === 1 && guard > 20 * count)) {
      plan.orders -= 1;
      planned -= 1;
    }
  }
  const drafts: OrderDraft[] = [];
  for (const { customer, orders } of plans) {
    if (orders === 0) continue;
    const from = Math.max(customer.createdAt, start);
    const ago = faker.helpers.weightedArrayElement([
      { weight: 35, value: faker.number.int({ min: 0, max: 30 * DAY }) },
      { weight: 30, value: faker.number.int({ min: 30 * DAY, max: 180 * DAY }) },
      {
        weight: 35,
        value: faker.number.int({ min: 180 * DAY, max: Math.max(180 * DAY, end - start) }),
      },
    ]);
    // A customer who joined after the chosen moment bought some time after joining.
    const last =
      end - ago >= from ? end - ago : from + Math.floor(faker.number.float() * (end - from));
    drafts.push({ customer, createdAt: last });
    for (let i = 1; i < orders; i++) {
      drafts.push({ customer, createdAt: from + Math.floor(faker.number.float() * (last - from)) });
    }
  }
  // Guests' orders fill the rest.
  while (drafts.length < count) {
    drafts.push({
      customer: null,
      createdAt: start + Math.floor(faker.number.float() * (end - start)),
    });
  }
  return drafts;
}

export { CUSTOMER_TAGS, ORDER_TAGS, CANCEL_REASONS };
