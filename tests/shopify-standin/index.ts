// Public entry point of the Shopify stand-in (test and demo infrastructure; never load it from app code).
import { StandIn } from "./standin.ts";
import type { StandInOptions } from "./standin.ts";

export {
  StandIn,
  CHANGE_TOPICS,
  COMPLIANCE_TOPICS,
  WEBHOOK_API_VERSION,
  normaliseShopDomain,
} from "./standin.ts";
export type {
  BulkOperationJson,
  SeedShopOptions,
  SeededShop,
  SendWebhookInput,
  StandInOptions,
  Subscription,
} from "./standin.ts";
export type {
  GroundTruth,
  GroundTruthCustomer,
  GroundTruthLineItem,
  GroundTruthOrder,
} from "./ground-truth.ts";
export type {
  BurstWeights,
  Change,
  CustomerInput,
  LineItemInput,
  OrderInput,
  OrderPatch,
} from "./mutations.ts";
export type {
  DeliveryAttempt,
  DeliveryFaults,
  DeliveryRecord,
  DeliveryStatus,
} from "./webhooks.ts";
export { LIVE_WEIGHTS, LiveStream } from "./live.ts";
export type { LiveChange, LiveChangeKind, LiveStreamOptions } from "./live.ts";
export { RETRY_COUNT, RETRY_DELAYS_MS, signBody } from "./webhooks.ts";
export type { BulkErrorCode, BulkMode } from "./bulk.ts";
export { hostParam, signQuery } from "./admin-frame.ts";
export { MAX_ID_OFFSET, shopifyIdOf } from "./shapes.ts";
export type { PayloadShapes, ProtectedField } from "./shapes.ts";

/** Starts a stand-in on loopback; `close()` stops it and everything it started. */
export function startShopifyStandIn(options: StandInOptions): Promise<StandIn> {
  return StandIn.start(options);
}
