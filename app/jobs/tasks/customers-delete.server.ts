import { customerDeletePayload } from "../../lib/webhooks/payloads.ts";
import { tombstoneTask } from "./tombstone-task.server.ts";

/** customers/delete */
export const customersDelete = tombstoneTask(
  "customers.delete",
  "customers",
  customerDeletePayload,
);
