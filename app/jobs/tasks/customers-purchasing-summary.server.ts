import { purchasingSummaryPayload } from "../../lib/webhooks/payloads.ts";
import { customerPartTask } from "./customer-part.server.ts";

/** customers/purchasing_summary: the customer's number of orders and amount spent. */
export const customersPurchasingSummary = customerPartTask(
  "customers.purchasing-summary",
  purchasingSummaryPayload,
);
