/**
 * The Shopify stand-in's control API (tests/shopify-standin/README.md, "Control API"), over HTTP:
 * the chaos run drives the stand-in as its own process.
 */
import type {
  BurstWeights,
  Change,
  DeliveryFaults,
  DeliveryRecord,
  GroundTruth,
  SendWebhookInput,
} from "../shopify-standin/index.ts";

export class StandInClient {
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/_standin${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`stand-in ${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
    }
    return JSON.parse(text) as T;
  }

  setFaults(shop: string, faults: DeliveryFaults): Promise<DeliveryFaults> {
    return this.call("PUT", `/shops/${shop}/faults`, faults);
  }

  async burst(shop: string, count: number, weights?: BurstWeights): Promise<Change[]> {
    return (
      await this.call<{ changes: Change[] }>("POST", `/shops/${shop}/burst`, { count, weights })
    ).changes;
  }

  sendWebhook(shop: string, input: SendWebhookInput): Promise<DeliveryRecord> {
    return this.call("POST", `/shops/${shop}/webhooks`, input);
  }

  deliveries(shop: string): Promise<DeliveryRecord[]> {
    return this.call("GET", `/deliveries?shop=${encodeURIComponent(shop)}`);
  }

  groundTruth(shop: string): Promise<GroundTruth> {
    return this.call("GET", `/shops/${shop}/ground-truth`);
  }

  /** Resolves true when nothing is held, queued, in flight or awaiting a retry; false on timeout. */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    const response = await fetch(`${this.url}/_standin/deliveries/wait-idle`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ timeoutMs }),
    });
    await response.arrayBuffer();
    if (response.status === 408) return false;
    if (!response.ok) throw new Error(`stand-in wait-idle: HTTP ${response.status}`);
    return true;
  }

  /** The URL the stand-in's admin frames for the app's `path` (with id_token, host, hmac…). */
  async appFrameUrl(shopHandle: string, path = "/app"): Promise<string> {
    const response = await fetch(`${this.url}/store/${shopHandle}/apps/recur${path}`);
    const html = await response.text();
    const src = /<iframe[^>]+src="([^"]+)"/.exec(html)?.[1];
    if (!response.ok || !src) {
      throw new Error(
        `the stand-in's admin for ${shopHandle} framed no app (HTTP ${response.status})`,
      );
    }
    return src.replaceAll("&amp;", "&");
  }
}
