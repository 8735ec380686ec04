import { upsertCustomers } from "../../lib/store/guarded-upsert.server.ts";
import { customerPayload } from "../../lib/webhooks/payloads.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/** customers/create and customers/update: the guarded upsert keeps the newest version. */
export const customersUpsert = defineDeliveryTask("customers.upsert", {
  schema: customerPayload,
  shop: "installed",
  async process({ client, payload, shop, logFields }) {
    const { written } = await upsertCustomers(client, shop.id, [payload]);
    logFields.written = written.length > 0;
    return { status: "processed" };
  },
});
