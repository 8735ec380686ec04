import { tagsChangedPayload } from "../../lib/webhooks/payloads.ts";
import { customerPartTask } from "./customer-part.server.ts";

/** customer.tags_added: tags a customer gained, and when. */
export const customersTagsAdded = customerPartTask(
  "customers.tags-added",
  tagsChangedPayload(true),
);
