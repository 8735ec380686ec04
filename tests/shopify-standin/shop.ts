// One shop's state: its data, the indexes over it, its clock, and the rules that derive a
// customer's order statistics from the customer's orders.
import type { Faker } from "@faker-js/faker";
import { ShopClock } from "./clock.ts";
import { generateShop, hash32, makeFaker } from "./generator.ts";
import type { GenerateShopOptions, IdSequences } from "./generator.ts";
import type { CatalogVariant, Customer, Order, ShopInfo } from "./model.ts";
import type { PayloadShapes } from "./shapes.ts";

export interface ShopSnapshot {
  installed: boolean;
  customers: Customer[];
  orders: Order[];
  ids: IdSequences;
  /** The shop clock's last stamp (seconds): a restarted shop never stamps earlier. */
  clock: number;
}

export class Shop {
  readonly info: ShopInfo;
  readonly customers = new Map<number, Customer>();
  readonly orders = new Map<number, Order>();
  readonly ordersByCustomer = new Map<number, Set<number>>();
  readonly catalog: CatalogVariant[];
  readonly ids: IdSequences;
  readonly clock: ShopClock;
  /** Random source for changes made after seeding (bursts, generated resources). */
  readonly faker: Faker;
  installed = false;
  /** Shopify's real shapes this shop's bodies and bulk lines take (none by default). */
  shapes: PayloadShapes = {};
  private readonly firstCustomerId: number;
  private readonly firstOrderId: number;

  constructor(options: GenerateShopOptions, now?: () => number) {
    const generated = generateShop(options);
    this.info = generated.info;
    this.catalog = generated.catalog;
    this.ids = generated.ids;
    this.firstCustomerId = generated.customers[0]?.id ?? generated.ids.customer;
    this.firstOrderId = generated.orders[0]?.id ?? generated.ids.order;
    this.faker = makeFaker(
      (options.seed ^ hash32(options.domain) ^ 0x5eed) >>> 0,
      this.info.currencyCode,
    );
    let latest = options.endsAt;
    for (const customer of generated.customers) this.customers.set(customer.id, customer);
    for (const order of generated.orders) {
      this.orders.set(order.id, order);
      if (order.customerId !== null) this.indexOrder(order.customerId, order.id);
      latest = Math.max(latest, order.updatedAt);
    }
    for (const customer of this.customers.values()) {
      this.recomputeStats(customer);
      // Each order change moved the customer's statistics, and with them its updated_at.
      for (const orderId of this.ordersByCustomer.get(customer.id) ?? []) {
        const order = this.orders.get(orderId);
        if (order && order.updatedAt > customer.updatedAt) customer.updatedAt = order.updatedAt;
      }
      latest = Math.max(latest, customer.updatedAt);
    }
    this.clock = new ShopClock(latest, now);
  }

  /** What a restarted stand-in needs to be this same shop again (persist.ts). */
  snapshot(): ShopSnapshot {
    return {
      installed: this.installed,
      customers: [...this.customers.values()],
      orders: [...this.orders.values()],
      ids: { ...this.ids },
      clock: this.clock.current(),
    };
  }

  /** Replaces the seeded data with a snapshot's. */
  restore(snapshot: ShopSnapshot): void {
    this.installed = snapshot.installed;
    this.customers.clear();
    this.orders.clear();
    this.ordersByCustomer.clear();
    for (const customer of snapshot.customers) this.customers.set(customer.id, customer);
    for (const order of snapshot.orders) {
      this.orders.set(order.id, order);
      if (order.customerId !== null) this.indexOrder(order.customerId, order.id);
    }
    Object.assign(this.ids, snapshot.ids);
    this.clock.advanceTo(snapshot.clock);
  }

  get domain(): string {
    return this.info.domain;
  }

  /** A random existing customer id; `recent` favours the newest tenth. O(1) in the common case. */
  randomCustomerId(recent = false): number | undefined {
    return this.randomId(this.customers, this.firstCustomerId, this.ids.customer, recent);
  }

  randomOrderId(recent = false): number | undefined {
    return this.randomId(this.orders, this.firstOrderId, this.ids.order, recent);
  }

  private randomId(map: Map<number, unknown>, first: number, next: number, recent: boolean) {
    if (map.size === 0) return undefined;
    const from = recent ? first + Math.floor((next - first) * 0.9) : first;
    for (let i = 0; i < 32; i++) {
      const id = this.faker.number.int({ min: from, max: next - 1 });
      if (map.has(id)) return id;
    }
    const keys = [...map.keys()];
    return keys[this.faker.number.int(keys.length - 1)];
  }

  indexOrder(customerId: number, orderId: number): void {
    let set = this.ordersByCustomer.get(customerId);
    if (!set) {
      set = new Set();
      this.ordersByCustomer.set(customerId, set);
    }
    set.add(orderId);
  }

  unindexOrder(customerId: number, orderId: number): void {
    this.ordersByCustomer.get(customerId)?.delete(orderId);
  }

  /**
   * The stand-in's model of Shopify's customer statistics: every order of the customer counts
   * towards `numberOfOrders`; `amountSpent` sums the totals of paid orders that were not
   * cancelled. Returns whether anything changed.
   */
  recomputeStats(customer: Customer): boolean {
    let count = 0;
    let spent = 0;
    let last: number | null = null;
    for (const orderId of this.ordersByCustomer.get(customer.id) ?? []) {
      const order = this.orders.get(orderId);
      if (!order) continue;
      count += 1;
      if (order.financialStatus === "PAID" && order.cancelledAt === null) spent += order.totalCents;
      if (last === null || order.id > last) last = order.id;
    }
    const changed =
      count !== customer.numberOfOrders ||
      spent !== customer.amountSpentCents ||
      last !== customer.lastOrderId;
    customer.numberOfOrders = count;
    customer.amountSpentCents = spent;
    customer.lastOrderId = last;
    return changed;
  }
}
