// The stand-in: shops, Admin API, webhooks, bulk operations, auth and the admin frame, behind one
// HTTP server on loopback, with a control API for tests and the demo.
import { randomInt, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ShopEntry } from "./admin-api.ts";
import { Auth } from "./auth.ts";
import { BulkManager } from "./bulk.ts";
import type { BulkErrorCode, BulkMode } from "./bulk.ts";
import { LeakyBucket } from "./cost.ts";
import type { PurchaseHistory } from "./generator.ts";
import type { StandInState } from "./persist.ts";
import { LiveStream } from "./live.ts";
import type { LiveStreamOptions } from "./live.ts";
import type { ThrottleStatus } from "./cost.ts";
import { gid, isoUtc, parseTimeInput } from "./format.ts";
import { groundTruth, groundTruthCustomer, groundTruthOrder } from "./ground-truth.ts";
import type { GroundTruth, GroundTruthCustomer, GroundTruthOrder } from "./ground-truth.ts";
import * as mutations from "./mutations.ts";
import type { BurstWeights, Change, CustomerInput, OrderInput, OrderPatch } from "./mutations.ts";
import { StandInError } from "./mutations.ts";
import { restShop } from "./rest.ts";
import { buildAdminSchema } from "./resolvers.ts";
import type { BulkOperationView } from "./resolvers.ts";
import { handleRequest } from "./server.ts";
import { validateShapes, webhookBody } from "./shapes.ts";
import type { PayloadShapes } from "./shapes.ts";
import { Shop } from "./shop.ts";
import { Deliverer } from "./webhooks.ts";
import type { DeliveryFaults, DeliveryRecord, InjectOptions } from "./webhooks.ts";

export const WEBHOOK_API_VERSION = "2026-10";

/** Topics the stand-in emits for changes; an app subscribes to some of them. */
export const CHANGE_TOPICS = [
  "customers/create",
  "customers/update",
  "customers/delete",
  "customers/purchasing_summary",
  "customer.tags_added",
  "customer.tags_removed",
  "orders/create",
  "orders/updated",
  "orders/delete",
  "bulk_operations/finish",
  "app/uninstalled",
] as const;

/** Mandatory compliance topics: always delivered, whatever the subscriptions. */
export const COMPLIANCE_TOPICS = [
  "customers/data_request",
  "customers/redact",
  "shop/redact",
] as const;

export interface Subscription {
  topic: string;
  /** Sent as X-Shopify-Name; null leaves the header out. */
  name?: string | null;
}

export interface StandInOptions {
  /** Port to listen on (0 picks a free one). */
  port?: number;
  /** Interface to listen on; loopback by default. */
  host?: string;
  /** The app's URL: webhooks go to `${appUrl}/webhooks`; the admin frame frames it. */
  appUrl: string;
  apiKey: string;
  apiSecret: string;
  appName?: string;
  /** The app's handle in admin URLs: /store/{shop}/apps/{appHandle}. */
  appHandle?: string;
  /** Scopes granted on install (default read_customers, read_orders, read_all_orders). */
  scopes?: string[];
  /** Multiplies Shopify's delays (webhook retry backoff); 0.001 turns hours into seconds. */
  timeScale?: number;
  /** How long a webhook request may take before it counts as failed (Shopify: 5 s). */
  webhookTimeoutMs?: number;
  /** Webhook requests in flight at once. */
  webhookConcurrency?: number;
  /** Subscriptions (topic + name); defaults to every change topic, named `subscriptionName`. */
  subscriptions?: Subscription[];
  subscriptionName?: string;
  /** Leaky bucket per shop (Shopify standard plan: 2000 points, 100/s). */
  throttle?: { maximumAvailable?: number; restoreRate?: number };
  bulk?: { mode?: BulkMode; objectsPerSecond?: number };
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** Seed for the stand-in's own randomness (delivery faults, bulk file ordering). */
  seed?: number;
  /** Shops to seed at start. */
  shops?: SeedShopOptions[];
  log?: (message: string) => void;
}

export interface SeedShopOptions {
  /** "acme" or "acme.myshopify.com". */
  shop: string;
  name?: string;
  currencyCode?: string;
  customers?: number;
  orders?: number;
  seed?: number;
  years?: number;
  /** End of the generated history (ISO); the default is fixed so data is deterministic. */
  endsAt?: string;
  /** How orders fall on customers (generator.ts): `even` (default) or `lifelike` (the demo's). */
  history?: PurchaseHistory;
  /** Install the app and return an offline token (default true). */
  install?: boolean;
  scopes?: string[];
}

export interface SeededShop {
  shop: string;
  name: string;
  currencyCode: string;
  ianaTimezone: string;
  customers: number;
  orders: number;
  installed: boolean;
  accessToken: string | null;
  adminUrl: string;
  graphqlUrl: string;
}

export interface BulkOperationJson {
  id: string;
  status: string;
  errorCode: string | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
  createdAt: string;
  completedAt: string | null;
  query: string;
  type: string;
}

export interface SendWebhookInput extends InjectOptions {
  topic: string;
  /** JSON payload (serialised as is), or `rawBody` for any bytes at all. */
  payload?: unknown;
  rawBody?: string;
}

const DEFAULT_ENDS_AT = "2026-11-01T00:00:00Z";
const DEFAULT_SCOPES = ["read_customers", "read_orders", "read_all_orders"];

export function normaliseShopDomain(shop: string): string {
  const value = shop.trim().toLowerCase();
  return value.endsWith(".myshopify.com") ? value : `${value}.myshopify.com`;
}

function bulkJson(view: BulkOperationView): BulkOperationJson {
  return {
    id: gid("BulkOperation", view.id),
    status: view.status,
    errorCode: view.errorCode,
    objectCount: String(view.objectCount),
    rootObjectCount: String(view.rootObjectCount),
    fileSize: view.fileSize === null ? null : String(view.fileSize),
    url: view.url,
    partialDataUrl: view.partialDataUrl,
    createdAt: isoUtc(view.createdAt),
    completedAt: view.completedAt === null ? null : isoUtc(view.completedAt),
    query: view.query,
    type: view.type,
  };
}

export class StandIn {
  readonly options: Required<
    Omit<StandInOptions, "shops" | "port" | "host" | "subscriptionName">
  > & {
    subscriptions: Subscription[];
  };
  readonly auth: Auth;
  readonly deliverer: Deliverer;
  readonly bulk: BulkManager;
  readonly schema = buildAdminSchema();
  readonly shops = new Map<string, ShopEntry>();
  private readonly server: Server;
  private readonly dir: string;
  private readonly liveStreams = new Set<LiveStream>();
  /** How each shop was seeded (its options), to tell a saved state of the same shop (persist.ts). */
  private readonly seededAs = new Map<string, string>();
  /** Grows with every change announced; a saver compares it to know when to save. */
  revision = 0;
  private address = "";

  private constructor(options: StandInOptions, dir: string) {
    const subscriptionName = options.subscriptionName ?? "recur";
    this.options = {
      appUrl: options.appUrl.replace(/\/$/, ""),
      apiKey: options.apiKey,
      apiSecret: options.apiSecret,
      appName: options.appName ?? "Recur",
      appHandle: options.appHandle ?? "recur",
      scopes: options.scopes ?? DEFAULT_SCOPES,
      timeScale: options.timeScale ?? 1,
      webhookTimeoutMs: options.webhookTimeoutMs ?? 5_000,
      webhookConcurrency: options.webhookConcurrency ?? 8,
      subscriptions:
        options.subscriptions ?? CHANGE_TOPICS.map((topic) => ({ topic, name: subscriptionName })),
      throttle: { maximumAvailable: 2_000, restoreRate: 100, ...options.throttle },
      bulk: { mode: "auto", objectsPerSecond: 20_000, ...options.bulk },
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3_600,
      refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 90 * 86_400,
      seed: options.seed ?? 1,
      log: options.log ?? (() => undefined),
    };
    this.dir = dir;
    this.auth = new Auth({
      apiKey: this.options.apiKey,
      apiSecret: this.options.apiSecret,
      accessTokenTtlSeconds: this.options.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: this.options.refreshTokenTtlSeconds,
      onlineTokenTtlSeconds: 86_399,
    });
    this.deliverer = new Deliverer({
      url: `${this.options.appUrl}/webhooks`,
      apiSecret: this.options.apiSecret,
      timeoutMs: this.options.webhookTimeoutMs,
      concurrency: this.options.webhookConcurrency,
      timeScale: this.options.timeScale,
      seed: this.options.seed,
      log: this.options.log,
    });
    this.bulk = new BulkManager({
      schema: this.schema,
      dir,
      mode: this.options.bulk.mode ?? "auto",
      objectsPerSecond: this.options.bulk.objectsPerSecond ?? 20_000,
      baseUrl: () => this.url,
      seed: this.options.seed,
      emit: (shop, topic, payload, at) => this.emit(shop, topic, payload, at),
      log: this.options.log,
    });
    this.server = createServer((req, res) => {
      void handleRequest(this, req, res);
    });
  }

  static async start(options: StandInOptions): Promise<StandIn> {
    const dir = await mkdtemp(join(tmpdir(), "shopify-standin-"));
    const standIn = new StandIn(options, dir);
    await new Promise<void>((resolve, reject) => {
      standIn.server.once("error", reject);
      standIn.server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
    });
    const address = standIn.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    standIn.address = `http://${host}:${address.port}`;
    for (const shop of options.shops ?? []) await standIn.seedShop(shop);
    return standIn;
  }

  get url(): string {
    return this.address;
  }

  async close(): Promise<void> {
    for (const stream of this.liveStreams) stream.stop();
    this.deliverer.close();
    await this.bulk.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  // ---- shops -------------------------------------------------------------------------------

  entry(shop: string): ShopEntry {
    const entry = this.shops.get(normaliseShopDomain(shop));
    if (!entry) throw new StandInError(404, `Unknown shop ${shop}`);
    return entry;
  }

  shopForHost(host: string): ShopEntry | undefined {
    return (
      this.shops.get(host) ??
      this.shops.get(normaliseShopDomain(host.replace(/\.myshopify\.com$/, "")))
    );
  }

  adminUrl(shop: string): string {
    return `${this.url}/store/${this.entry(shop).shop.info.handle}/apps/${this.options.appHandle}`;
  }

  async seedShop(options: SeedShopOptions): Promise<SeededShop> {
    const domain = normaliseShopDomain(options.shop);
    if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(domain)) {
      throw new StandInError(422, `Not a myshopify.com domain: ${options.shop}`);
    }
    const shop = new Shop({
      domain,
      seed: options.seed ?? 1,
      customers: options.customers ?? 50,
      orders: options.orders ?? 150,
      name: options.name,
      currencyCode: options.currencyCode,
      endsAt: parseTimeInput(options.endsAt ?? DEFAULT_ENDS_AT),
      years: options.years ?? 3,
      history: options.history,
    });
    const previous = this.shops.get(domain);
    if (previous) this.auth.revokeShop(domain);
    const entry: ShopEntry = {
      shop,
      bucket: new LeakyBucket(
        this.options.throttle.maximumAvailable ?? 2_000,
        this.options.throttle.restoreRate ?? 100,
      ),
      scopes: options.scopes ?? this.options.scopes,
    };
    this.shops.set(domain, entry);
    this.seededAs.set(
      domain,
      JSON.stringify({
        seed: options.seed ?? 1,
        customers: options.customers ?? 50,
        orders: options.orders ?? 150,
        currencyCode: options.currencyCode ?? null,
        years: options.years ?? 3,
        endsAt: options.endsAt ?? DEFAULT_ENDS_AT,
        history: options.history ?? "even",
      }),
    );
    let accessToken: string | null = null;
    if (options.install ?? true) {
      shop.installed = true;
      accessToken = this.auth.issueOffline(domain, entry.scopes, false).access_token;
    }
    this.options.log(
      `seeded ${domain}: ${shop.customers.size} customers, ${shop.orders.size} orders`,
    );
    return this.describe(entry, accessToken);
  }

  private describe(entry: ShopEntry, accessToken: string | null): SeededShop {
    const { shop } = entry;
    return {
      shop: shop.domain,
      name: shop.info.name,
      currencyCode: shop.info.currencyCode,
      ianaTimezone: shop.info.ianaTimezone,
      customers: shop.customers.size,
      orders: shop.orders.size,
      installed: shop.installed,
      accessToken,
      adminUrl: this.adminUrl(shop.domain),
      graphqlUrl: `${this.url}/admin/api/${WEBHOOK_API_VERSION}/graphql.json`,
    };
  }

  listShops(): SeededShop[] {
    return [...this.shops.values()].map((e) => this.describe(e, null));
  }

  groundTruth(shop: string): GroundTruth {
    return groundTruth(this.entry(shop).shop);
  }

  // ---- changes -----------------------------------------------------------------------------

  private readonly emitFn: mutations.Emit = (shop, topic, payload, at) =>
    this.emit(shop, topic, payload, at);

  createCustomer(shop: string, input?: CustomerInput): GroundTruthCustomer {
    const s = this.entry(shop).shop;
    return groundTruthCustomer(s, mutations.createCustomer(s, this.emitFn, input));
  }

  updateCustomer(shop: string, id: string, patch?: CustomerInput): GroundTruthCustomer {
    const s = this.entry(shop).shop;
    return groundTruthCustomer(s, mutations.updateCustomer(s, this.emitFn, id, patch));
  }

  deleteCustomer(shop: string, id: string): void {
    mutations.deleteCustomer(this.entry(shop).shop, this.emitFn, id);
  }

  createOrder(shop: string, input?: OrderInput): GroundTruthOrder {
    const s = this.entry(shop).shop;
    return groundTruthOrder(s, mutations.createOrder(s, this.emitFn, input));
  }

  updateOrder(shop: string, id: string, patch?: OrderPatch): GroundTruthOrder {
    const s = this.entry(shop).shop;
    return groundTruthOrder(s, mutations.updateOrder(s, this.emitFn, id, patch));
  }

  deleteOrder(shop: string, id: string): void {
    mutations.deleteOrder(this.entry(shop).shop, this.emitFn, id);
  }

  burst(shop: string, count: number, weights?: BurstWeights): Change[] {
    return mutations.burst(this.entry(shop).shop, this.emitFn, count, weights);
  }

  /**
   * Starts a living store (tests/shopify-standin/live.ts): one change every `intervalMs` while
   * the app is installed, announced by webhooks. Stopped by its `limit`, `stop()` or `close()`.
   */
  startLiveStream(shop: string, options: LiveStreamOptions): LiveStream {
    const stream = new LiveStream(this.entry(shop).shop, this.emitFn, options);
    this.liveStreams.add(stream);
    void stream.done.then(() => this.liveStreams.delete(stream));
    return stream;
  }

  // ---- restarts ----------------------------------------------------------------------------

  /** Tokens, installs and every shop's data: what a restarted stand-in needs (persist.ts). */
  exportState(): StandInState {
    const shops: StandInState["shops"] = {};
    for (const [domain, entry] of this.shops) {
      shops[domain] = { seededAs: this.seededAs.get(domain) ?? "", shop: entry.shop.snapshot() };
    }
    return {
      version: 1,
      savedAt: new Date().toISOString(),
      tokens: this.auth.exportTokens(),
      shops,
    };
  }

  /**
   * Takes up a previous run's state: its tokens stay valid and its installs stand. A shop seeded
   * the same way as then gets back its data as the previous run's changes left it; a shop seeded
   * otherwise (another day's history in the demo) keeps its new data.
   */
  importState(state: StandInState): { restored: string[]; reseeded: string[] } {
    this.auth.importTokens(state.tokens);
    const restored: string[] = [];
    const reseeded: string[] = [];
    for (const [domain, saved] of Object.entries(state.shops)) {
      const entry = this.shops.get(domain);
      if (!entry) continue;
      if (saved.seededAs === this.seededAs.get(domain)) {
        entry.shop.restore(saved.shop);
        restored.push(domain);
      } else {
        entry.shop.installed = saved.shop.installed;
        reseeded.push(domain);
      }
    }
    this.revision += 1;
    return { restored, reseeded };
  }

  // ---- webhooks ----------------------------------------------------------------------------

  /**
   * Shopify's real shapes for one shop's webhook bodies and bulk lines (README: "Shopify's real
   * shapes"); `{}` restores the defaults. Returns what is now in effect.
   */
  setPayloadShapes(shop: string, shapes: PayloadShapes): PayloadShapes {
    const entry = this.entry(shop);
    entry.shop.shapes = validateShapes(shapes);
    return { ...entry.shop.shapes };
  }

  getPayloadShapes(shop: string): PayloadShapes {
    return { ...this.entry(shop).shop.shapes };
  }

  /** Announces an event to the app: one delivery per subscription to its topic. */
  emit(shop: Shop, topic: string, payload: unknown, atSeconds: number): DeliveryRecord[] {
    this.revision += 1;
    const compliance = (COMPLIANCE_TOPICS as readonly string[]).includes(topic);
    if (!shop.installed && !compliance && topic !== "app/uninstalled") return [];
    const names = compliance
      ? [this.options.subscriptions[0]?.name ?? null]
      : this.options.subscriptions.filter((s) => s.topic === topic).map((s) => s.name ?? null);
    if (names.length === 0) return [];
    return this.deliverer.publish(
      {
        shop: shop.domain,
        topic,
        body: webhookBody(shop.shapes, topic, payload),
        eventId: randomUUID(),
        triggeredAt: new Date(Math.max(Date.now(), atSeconds * 1000)).toISOString(),
        apiVersion: WEBHOOK_API_VERSION,
      },
      names,
    );
  }

  setFaults(shop: string, faults: DeliveryFaults): DeliveryFaults {
    const domain = this.entry(shop).shop.domain;
    this.deliverer.setFaults(domain, faults);
    return this.deliverer.getFaults(domain);
  }

  getFaults(shop: string): DeliveryFaults {
    return this.deliverer.getFaults(this.entry(shop).shop.domain);
  }

  /** Sends any delivery at all: any topic, any payload or raw body, signed unless told otherwise. */
  sendWebhook(shop: string, input: SendWebhookInput): DeliveryRecord {
    const domain = this.entry(shop).shop.domain;
    const body = input.rawBody ?? JSON.stringify(input.payload ?? {});
    return this.deliverer.inject(domain, input.topic, body, {
      apiVersion: WEBHOOK_API_VERSION,
      subscriptionName: this.options.subscriptions[0]?.name ?? null,
      ...input,
    });
  }

  deliveries(filter: { shop?: string; topic?: string } = {}): DeliveryRecord[] {
    return this.deliverer.log({
      ...filter,
      shop: filter.shop === undefined ? undefined : normaliseShopDomain(filter.shop),
    });
  }

  clearDeliveries(): void {
    this.deliverer.clearLog();
  }

  /** Resolves when no delivery is queued, held, in flight or waiting for a retry. */
  waitForDeliveries(timeoutMs?: number): Promise<void> {
    return this.deliverer.waitForIdle(timeoutMs);
  }

  /** The app is uninstalled: tokens are revoked and app/uninstalled is sent. */
  uninstall(shop: string): DeliveryRecord[] {
    const entry = this.entry(shop);
    this.auth.revokeShop(entry.shop.domain);
    entry.shop.installed = false;
    return this.emit(
      entry.shop,
      "app/uninstalled",
      restShop(entry.shop),
      entry.shop.clock.current(),
    );
  }

  install(shop: string): void {
    this.entry(shop).shop.installed = true;
  }

  private complianceCustomer(entry: ShopEntry, customerId?: string) {
    const { shop } = entry;
    const id =
      customerId === undefined ? shop.randomCustomerId() : Number(customerId.replace(/\D/g, ""));
    const customer = id === undefined ? undefined : shop.customers.get(id);
    if (!customer) throw new StandInError(404, `Customer ${customerId ?? ""} not found`);
    const orders = [...(shop.ordersByCustomer.get(customer.id) ?? [])].sort((a, b) => a - b);
    return { customer: { id: customer.id, email: customer.email, phone: customer.phone }, orders };
  }

  sendCustomersDataRequest(shop: string, options: { customerId?: string } = {}): DeliveryRecord[] {
    const entry = this.entry(shop);
    const { customer, orders } = this.complianceCustomer(entry, options.customerId);
    return this.emit(
      entry.shop,
      "customers/data_request",
      {
        shop_id: entry.shop.info.id,
        shop_domain: entry.shop.domain,
        orders_requested: orders,
        customer,
        data_request: { id: randomInt(1, 1_000_000) },
      },
      entry.shop.clock.current(),
    );
  }

  sendCustomersRedact(shop: string, options: { customerId?: string } = {}): DeliveryRecord[] {
    const entry = this.entry(shop);
    const { customer, orders } = this.complianceCustomer(entry, options.customerId);
    return this.emit(
      entry.shop,
      "customers/redact",
      {
        shop_id: entry.shop.info.id,
        shop_domain: entry.shop.domain,
        customer,
        orders_to_redact: orders,
      },
      entry.shop.clock.current(),
    );
  }

  sendShopRedact(shop: string): DeliveryRecord[] {
    const entry = this.entry(shop);
    return this.emit(
      entry.shop,
      "shop/redact",
      { shop_id: entry.shop.info.id, shop_domain: entry.shop.domain },
      entry.shop.clock.current(),
    );
  }

  // ---- bulk operations ---------------------------------------------------------------------

  setBulkMode(mode: BulkMode, shop?: string): void {
    this.bulk.setMode(mode, shop === undefined ? undefined : this.entry(shop).shop);
  }

  setBulkRate(objectsPerSecond: number): void {
    this.bulk.setRate(objectsPerSecond);
  }

  bulkOperations(shop: string): BulkOperationJson[] {
    return this.bulk.list(this.entry(shop).shop).map(bulkJson);
  }

  async finishBulkOperation(shop: string, id: string): Promise<BulkOperationJson> {
    return bulkJson(await this.bulk.finish(this.entry(shop).shop, id));
  }

  async failBulkOperation(
    shop: string,
    id: string,
    errorCode: BulkErrorCode,
    options: { partialObjects?: number } = {},
  ): Promise<BulkOperationJson> {
    if (!["ACCESS_DENIED", "INTERNAL_SERVER_ERROR", "TIMEOUT"].includes(errorCode)) {
      throw new StandInError(422, `Unknown errorCode ${errorCode}`);
    }
    return bulkJson(
      await this.bulk.fail(this.entry(shop).shop, id, errorCode, options.partialObjects),
    );
  }

  cancelBulkOperation(shop: string, id: string): BulkOperationJson {
    return bulkJson(this.bulk.cancelRun(this.entry(shop).shop, id));
  }

  async advanceBulkOperation(
    shop: string,
    id: string,
    objects: number,
  ): Promise<BulkOperationJson> {
    return bulkJson(await this.bulk.advance(this.entry(shop).shop, id, objects));
  }

  async expireBulkOperation(shop: string, id: string): Promise<BulkOperationJson> {
    return bulkJson(await this.bulk.expire(this.entry(shop).shop, id));
  }

  /** Makes Shopify forget a finished run: reading it by id answers null from then on. */
  async forgetBulkOperation(shop: string, id: string): Promise<void> {
    await this.bulk.forget(this.entry(shop).shop, id);
  }

  async waitForBulkOperation(
    shop: string,
    id: string,
    statuses?: string[],
  ): Promise<BulkOperationJson> {
    return bulkJson(await this.bulk.waitFor(this.entry(shop).shop, id, statuses));
  }

  // ---- auth and throttling -----------------------------------------------------------------

  /** A fresh session token (what App Bridge's shopify.idToken() returns) for the shop. */
  sessionToken(shop: string): Promise<string> {
    return this.auth.sessionToken(this.entry(shop).shop.domain);
  }

  /** Issues an offline access token without the install flow (installs the app). */
  issueAccessToken(shop: string, options: { expiring?: boolean } = {}) {
    const entry = this.entry(shop);
    entry.shop.installed = true;
    return this.auth.issueOffline(entry.shop.domain, entry.scopes, options.expiring ?? false);
  }

  expireAccessToken(token: string): boolean {
    return this.auth.expire(token);
  }

  setThrottle(
    shop: string,
    throttle: { maximumAvailable?: number; restoreRate?: number },
  ): ThrottleStatus {
    const bucket = this.entry(shop).bucket;
    bucket.configure(
      throttle.maximumAvailable ?? bucket.maximumAvailable,
      throttle.restoreRate ?? bucket.restoreRate,
    );
    return bucket.status();
  }

  throttleStatus(shop: string): ThrottleStatus {
    return this.entry(shop).bucket.status();
  }
}
