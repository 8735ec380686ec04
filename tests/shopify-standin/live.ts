// A living store for the demo: a gentle stream of the changes a merchant's shop sees in a day (new
// orders, customer edits, fulfilments, refunds that lower the current total, cancellations and the
// odd deletion), each made through the same mutations as the control API, so each is announced
// with the signed webhooks Shopify would send. Off unless asked for (tests and benchmarks never
// start one by accident).
import { CANCEL_REASONS } from "./generator.ts";
import { currentTotalCents } from "./model.ts";
import type { Order } from "./model.ts";
import * as mutations from "./mutations.ts";
import type { Emit } from "./mutations.ts";
import type { Shop } from "./shop.ts";

export type LiveChangeKind =
  | "order_created"
  | "customer_created"
  | "customer_edited"
  | "order_fulfilled"
  | "order_refunded"
  | "order_cancelled"
  | "order_deleted";

export interface LiveChange {
  kind: LiveChangeKind;
  /** Numeric id of the customer or order changed. */
  id: string;
}

export interface LiveStreamOptions {
  /** Time between two changes. */
  intervalMs: number;
  /** Stop after this many changes (default: run until stopped). */
  limit?: number;
  /** Relative weights of the kinds of change. */
  weights?: Partial<Record<LiveChangeKind, number>>;
  /** Called after each change. */
  onChange?: (change: LiveChange) => void;
}

/** How often each change happens: mostly new orders, a refund or cancellation now and then. */
export const LIVE_WEIGHTS: Record<LiveChangeKind, number> = {
  order_created: 40,
  customer_edited: 18,
  order_fulfilled: 14,
  order_refunded: 12,
  order_cancelled: 7,
  customer_created: 6,
  order_deleted: 3,
};

/** A recent order that passes `accept`, looking at a few random ones (newest tenth first). */
function pickOrder(shop: Shop, accept: (order: Order) => boolean): Order | undefined {
  for (let i = 0; i < 48; i++) {
    const id = shop.randomOrderId(i < 32);
    const order = id === undefined ? undefined : shop.orders.get(id);
    if (order && accept(order)) return order;
  }
  return undefined;
}

const open = (order: Order) => order.cancelledAt === null && !order.test;

/** Makes one change of the given kind; falls back to a new order when nothing fits it. */
export function liveChange(shop: Shop, emit: Emit, kind: LiveChangeKind): LiveChange {
  const faker = shop.faker;
  switch (kind) {
    case "customer_created":
      return { kind, id: String(mutations.createCustomer(shop, emit).id) };
    case "customer_edited": {
      const id = shop.randomCustomerId(faker.number.int(1) === 0);
      if (id === undefined) break;
      mutations.updateCustomer(shop, emit, String(id));
      return { kind, id: String(id) };
    }
    case "order_fulfilled": {
      const order = pickOrder(shop, (o) => open(o) && o.fulfillmentStatus === "UNFULFILLED");
      if (!order) break;
      mutations.updateOrder(shop, emit, String(order.id), { fulfillmentStatus: "FULFILLED" });
      return { kind, id: String(order.id) };
    }
    case "order_refunded": {
      const order = pickOrder(
        shop,
        (o) => open(o) && o.financialStatus === "PAID" && currentTotalCents(o) > 0,
      );
      if (!order) break;
      // A returned item or a goodwill refund: a part of what is left, now and then all of it.
      const left = currentTotalCents(order);
      const cents =
        faker.number.int(3) === 0
          ? left
          : Math.max(1, Math.round(left * faker.number.float({ min: 0.1, max: 0.6 })));
      mutations.updateOrder(shop, emit, String(order.id), { refund: (cents / 100).toFixed(2) });
      return { kind, id: String(order.id) };
    }
    case "order_cancelled": {
      const order = pickOrder(shop, (o) => open(o) && o.fulfillmentStatus === "UNFULFILLED");
      if (!order) break;
      mutations.updateOrder(shop, emit, String(order.id), {
        cancel: { reason: faker.helpers.arrayElement(CANCEL_REASONS) },
      });
      return { kind, id: String(order.id) };
    }
    case "order_deleted": {
      // Merchants delete the odd test or cancelled order, rarely anything else.
      const order =
        pickOrder(shop, (o) => o.test || o.cancelledAt !== null) ?? pickOrder(shop, () => true);
      if (!order) break;
      mutations.deleteOrder(shop, emit, String(order.id));
      return { kind, id: String(order.id) };
    }
    case "order_created":
      break;
  }
  return { kind: "order_created", id: String(mutations.createOrder(shop, emit).id) };
}

/** One shop's stream: a change every `intervalMs` while the app is installed. */
export class LiveStream {
  private readonly timer: NodeJS.Timeout;
  private readonly made: LiveChange[] = [];
  private finish!: (changes: LiveChange[]) => void;
  /** Resolves with the changes made once the stream stops (its limit, or `stop()`). */
  readonly done: Promise<LiveChange[]>;

  private readonly shop: Shop;
  private readonly emit: Emit;
  private readonly options: LiveStreamOptions;

  constructor(shop: Shop, emit: Emit, options: LiveStreamOptions) {
    this.shop = shop;
    this.emit = emit;
    this.options = options;
    this.done = new Promise((resolve) => (this.finish = resolve));
    const weights = { ...LIVE_WEIGHTS, ...options.weights };
    const choices = (Object.keys(weights) as LiveChangeKind[]).map((value) => ({
      value,
      weight: weights[value],
    }));
    this.timer = setInterval(() => {
      // Nothing happens in a shop that has not installed the app yet: its first sync starts from
      // the seeded store, and then the stream begins.
      if (!this.shop.installed) return;
      const kind = this.shop.faker.helpers.weightedArrayElement(choices);
      const change = liveChange(this.shop, this.emit, kind);
      this.made.push(change);
      this.options.onChange?.(change);
      if (this.options.limit !== undefined && this.made.length >= this.options.limit) this.stop();
    }, options.intervalMs);
  }

  get changes(): readonly LiveChange[] {
    return this.made;
  }

  stop(): void {
    clearInterval(this.timer);
    this.finish([...this.made]);
  }
}
