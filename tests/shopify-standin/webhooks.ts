// Webhook delivery as Shopify does it: signed POSTs to the app, one delivery per subscription,
// retried with exponential backoff on any non-2xx answer or timeout, with the original payload
// and webhook id; plus the faults tests ask for (drops, duplicates, delays, reordering).
import { createHmac, randomUUID } from "node:crypto";
import { Faker, base, en } from "@faker-js/faker";

/** Shopify retries a failed delivery 8 times over 4 hours with exponential backoff. */
export const RETRY_COUNT = 8;
const RETRY_WINDOW_MS = 4 * 60 * 60 * 1000;
/** Delay before retry k (1-based): base·2^(k-1), with base chosen so the 8 delays sum to 4 h. */
export const RETRY_DELAYS_MS: readonly number[] = Array.from(
  { length: RETRY_COUNT },
  (_, k) => (RETRY_WINDOW_MS / (2 ** RETRY_COUNT - 1)) * 2 ** k,
);

/** The delivery log keeps at most this many records (finished ones are forgotten first). */
export const MAX_LOG_RECORDS = 200_000;

export interface DeliveryFaults {
  /** Probability that a delivery is never sent (reconciliation has to repair it). */
  dropRate?: number;
  /** Probability that a delivered webhook is sent once more with the same webhook id. */
  duplicateRate?: number;
  /** Probability that an event gets a second delivery with another webhook id (two subscriptions). */
  duplicateEventRate?: number;
  /** Probability that a delivery is held back `reorderDelayMs` so later ones overtake it. */
  reorderRate?: number;
  reorderDelayMs?: number;
  /** Probability that a delivery is delayed by `delayMs` (a late webhook). */
  delayRate?: number;
  delayMs?: number;
}

export type DeliveryStatus =
  "held" | "queued" | "in_flight" | "retry_scheduled" | "delivered" | "failed" | "dropped";

export type DeliveryFault =
  "dropped" | "duplicate" | "duplicate_event" | "reordered" | "delayed" | "injected";

export interface DeliveryAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export interface DeliveryRecord {
  sequence: number;
  webhookId: string;
  eventId: string;
  shop: string;
  topic: string;
  subscriptionName: string | null;
  triggeredAt: string;
  apiVersion: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  status: DeliveryStatus;
  faults: DeliveryFault[];
  /** Sequence number of the delivery this one duplicates, for duplicate faults. */
  duplicateOf: number | null;
  retries: boolean;
  createdAt: string;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  attempts: DeliveryAttempt[];
}

export interface WebhookEvent {
  shop: string;
  topic: string;
  body: string;
  eventId: string;
  triggeredAt: string;
  apiVersion: string;
}

export interface DelivererOptions {
  url: string;
  apiSecret: string;
  timeoutMs: number;
  concurrency: number;
  timeScale: number;
  seed: number;
  log: (message: string) => void;
}

export interface InjectOptions {
  webhookId?: string;
  eventId?: string;
  subscriptionName?: string | null;
  triggeredAt?: string;
  apiVersion?: string;
  /** true (default): sign with the app secret; false: no HMAC header; "invalid": a wrong HMAC. */
  sign?: boolean | "invalid";
  /** Header names (case-insensitive) to leave out. */
  omitHeaders?: string[];
  /** Extra or replacement headers. */
  headers?: Record<string, string>;
  /** Whether failures are retried like any delivery (default true). */
  retry?: boolean;
}

interface Pending {
  record: DeliveryRecord;
  resendAfterSuccess: boolean;
}

export function signBody(secret: string, body: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

export class Deliverer {
  private readonly options: DelivererOptions;
  private records: DeliveryRecord[] = [];
  private readonly queue: Pending[] = [];
  private readonly faults = new Map<string, DeliveryFaults>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly inFlightRequests = new Set<AbortController>();
  private readonly random: Faker;
  private inFlight = 0;
  private nextSequence = 1;
  private active = 0;
  private closed = false;

  constructor(options: DelivererOptions) {
    this.options = options;
    this.random = new Faker({ locale: [en, base] });
    this.random.seed(options.seed);
  }

  setFaults(shop: string, faults: DeliveryFaults): void {
    this.faults.set(shop, { ...faults });
  }

  getFaults(shop: string): DeliveryFaults {
    return { ...(this.faults.get(shop) ?? {}) };
  }

  log(filter: { shop?: string; topic?: string } = {}): DeliveryRecord[] {
    return this.records.filter(
      (r) =>
        (filter.shop === undefined || r.shop === filter.shop) &&
        (filter.topic === undefined || r.topic === filter.topic),
    );
  }

  clearLog(): void {
    this.records = this.records.filter((r) => isActive(r.status));
  }

  /** Deliveries not yet finished (queued, held, in flight or waiting for a retry). */
  pendingCount(): number {
    return this.active;
  }

  waitForIdle(timeoutMs = 30_000): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.idleWaiters.indexOf(done);
        if (index >= 0) this.idleWaiters.splice(index, 1);
        reject(
          new Error(`webhook deliveries still pending after ${timeoutMs} ms (${this.active})`),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }

  /** Publishes one event to every subscription given, applying the shop's delivery faults. */
  publish(event: WebhookEvent, subscriptionNames: (string | null)[]): DeliveryRecord[] {
    const faults = this.faults.get(event.shop) ?? {};
    const created: DeliveryRecord[] = [];
    for (const name of subscriptionNames) {
      created.push(this.enqueueWithFaults(event, name, faults, null));
      if (this.chance(faults.duplicateEventRate)) {
        const first = created[created.length - 1];
        created.push(
          this.enqueueWithFaults(event, name, faults, first?.sequence ?? null, "duplicate_event"),
        );
      }
    }
    return created;
  }

  /** Sends an arbitrary delivery (any topic, any body), signed unless told otherwise. */
  inject(shop: string, topic: string, body: string, options: InjectOptions = {}): DeliveryRecord {
    const event: WebhookEvent = {
      shop,
      topic,
      body,
      eventId: options.eventId ?? randomUUID(),
      triggeredAt: options.triggeredAt ?? new Date().toISOString(),
      apiVersion: options.apiVersion ?? "2026-10",
    };
    const record = this.newRecord(event, options.subscriptionName ?? null, null, options.webhookId);
    record.faults.push("injected");
    record.retries = options.retry ?? true;
    const sign = options.sign ?? true;
    if (sign === false) delete record.headers["X-Shopify-Hmac-Sha256"];
    if (sign === "invalid")
      record.headers["X-Shopify-Hmac-Sha256"] = signBody("not-the-secret", body);
    for (const name of options.omitHeaders ?? []) {
      for (const key of Object.keys(record.headers)) {
        if (key.toLowerCase() === name.toLowerCase()) delete record.headers[key];
      }
    }
    Object.assign(record.headers, options.headers ?? {});
    this.enqueue({ record, resendAfterSuccess: false });
    return record;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue.length = 0;
    for (const controller of this.inFlightRequests) controller.abort();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private chance(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.random.number.float() < rate;
  }

  private enqueueWithFaults(
    event: WebhookEvent,
    name: string | null,
    faults: DeliveryFaults,
    duplicateOf: number | null,
    fault?: DeliveryFault,
  ): DeliveryRecord {
    const record = this.newRecord(event, name, duplicateOf);
    if (fault) record.faults.push(fault);
    if (this.chance(faults.dropRate)) {
      record.faults.push("dropped");
      record.status = "dropped";
      this.options.log(`webhook ${event.topic} for ${event.shop} dropped (fault)`);
      return record;
    }
    const pending: Pending = { record, resendAfterSuccess: this.chance(faults.duplicateRate) };
    let holdMs = 0;
    if (this.chance(faults.delayRate)) {
      record.faults.push("delayed");
      holdMs += faults.delayMs ?? 1_000;
    }
    if (this.chance(faults.reorderRate)) {
      record.faults.push("reordered");
      holdMs += faults.reorderDelayMs ?? 200;
    }
    if (holdMs > 0) {
      record.status = "held";
      this.active += 1;
      record.nextAttemptAt = new Date(Date.now() + holdMs).toISOString();
      this.later(holdMs, () => {
        this.active -= 1;
        this.enqueue(pending);
      });
    } else {
      this.enqueue(pending);
    }
    return record;
  }

  private newRecord(
    event: WebhookEvent,
    subscriptionName: string | null,
    duplicateOf: number | null,
    webhookId: string = randomUUID(),
  ): DeliveryRecord {
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "User-Agent": "Shopify-Captain-Hook",
      "X-Shopify-Topic": event.topic,
      "X-Shopify-Hmac-Sha256": signBody(this.options.apiSecret, event.body),
      "X-Shopify-Shop-Domain": event.shop,
      "X-Shopify-API-Version": event.apiVersion,
      "X-Shopify-Webhook-Id": webhookId,
      "X-Shopify-Event-Id": event.eventId,
      "X-Shopify-Triggered-At": event.triggeredAt,
    };
    if (subscriptionName !== null) headers["X-Shopify-Name"] = subscriptionName;
    const record: DeliveryRecord = {
      sequence: this.nextSequence++,
      webhookId,
      eventId: event.eventId,
      shop: event.shop,
      topic: event.topic,
      subscriptionName,
      triggeredAt: event.triggeredAt,
      apiVersion: event.apiVersion,
      url: this.options.url,
      body: event.body,
      headers,
      status: "queued",
      faults: [],
      duplicateOf,
      retries: true,
      createdAt: new Date().toISOString(),
      deliveredAt: null,
      nextAttemptAt: null,
      attempts: [],
    };
    this.records.push(record);
    if (this.records.length > MAX_LOG_RECORDS + 10_000) this.trimLog();
    return record;
  }

  /** Long demos: forget the oldest finished deliveries, in batches, down to MAX_LOG_RECORDS. */
  private trimLog(): void {
    let excess = this.records.length - MAX_LOG_RECORDS;
    const kept = this.records.filter((record) => {
      if (excess > 0 && !isActive(record.status)) {
        excess -= 1;
        return false;
      }
      return true;
    });
    this.records = kept;
  }

  private enqueue(pending: Pending): void {
    if (this.closed) return;
    pending.record.status = "queued";
    pending.record.nextAttemptAt = null;
    this.active += 1;
    this.queue.push(pending);
    this.pump();
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
      this.checkIdle();
    }, ms);
    this.timers.add(timer);
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const next = this.queue.shift();
      if (!next) break;
      this.inFlight += 1;
      void this.attempt(next).finally(() => {
        this.inFlight -= 1;
        this.active -= 1;
        this.pump();
        this.checkIdle();
      });
    }
  }

  private checkIdle(): void {
    if (this.active !== 0) return;
    const waiters = this.idleWaiters.splice(0);
    for (const resolve of waiters) resolve();
  }

  private async attempt(pending: Pending): Promise<void> {
    const { record } = pending;
    record.status = "in_flight";
    const started = Date.now();
    const attempt: DeliveryAttempt = {
      attempt: record.attempts.length + 1,
      startedAt: new Date(started).toISOString(),
      durationMs: 0,
      statusCode: null,
      error: null,
    };
    record.attempts.push(attempt);
    const controller = new AbortController();
    this.inFlightRequests.add(controller);
    try {
      const response = await fetch(record.url, {
        method: "POST",
        headers: record.headers,
        body: record.body,
        redirect: "manual",
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      attempt.statusCode = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      attempt.error =
        error instanceof Error && error.name === "TimeoutError"
          ? `timeout after ${this.options.timeoutMs} ms`
          : String(error instanceof Error ? (error.cause ?? error.message) : error);
    }
    this.inFlightRequests.delete(controller);
    attempt.durationMs = Date.now() - started;
    if (this.closed) return;
    const ok = attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;
    if (ok) {
      record.status = "delivered";
      record.deliveredAt = new Date().toISOString();
      if (pending.resendAfterSuccess) {
        const copy = this.newRecord(
          {
            shop: record.shop,
            topic: record.topic,
            body: record.body,
            eventId: record.eventId,
            triggeredAt: record.triggeredAt,
            apiVersion: record.apiVersion,
          },
          record.subscriptionName,
          record.sequence,
          record.webhookId,
        );
        copy.headers = { ...record.headers };
        copy.faults.push("duplicate");
        this.enqueue({ record: copy, resendAfterSuccess: false });
      }
      return;
    }
    const retriesDone = record.attempts.length - 1;
    if (!record.retries || retriesDone >= RETRY_COUNT) {
      record.status = "failed";
      this.options.log(
        `webhook ${record.topic} ${record.webhookId} failed after ${record.attempts.length} attempts`,
      );
      return;
    }
    const delay = (RETRY_DELAYS_MS[retriesDone] ?? 0) * this.options.timeScale;
    record.status = "retry_scheduled";
    record.nextAttemptAt = new Date(Date.now() + delay).toISOString();
    this.active += 1;
    this.later(delay, () => {
      this.active -= 1;
      this.enqueue(pending);
    });
  }
}

function isActive(status: DeliveryStatus): boolean {
  return (
    status === "held" ||
    status === "queued" ||
    status === "in_flight" ||
    status === "retry_scheduled"
  );
}
