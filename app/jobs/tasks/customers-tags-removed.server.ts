import { tagsChangedPayload } from "../../lib/webhooks/payloads.ts";
import { customerPartTask } from "./customer-part.server.ts";

/** customer.tags_removed: tags a customer lost, and when. */
export const customersTagsRemoved = customerPartTask(
  "customers.tags-removed",
  tagsChangedPayload(false),
);
