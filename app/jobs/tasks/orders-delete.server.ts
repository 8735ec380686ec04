import { orderDeletePayload } from "../../lib/webhooks/payloads.ts";
import { tombstoneTask } from "./tombstone-task.server.ts";

/** orders/delete (the order's line items go with it). */
export const ordersDelete = tombstoneTask("orders.delete", "orders", orderDeletePayload);
