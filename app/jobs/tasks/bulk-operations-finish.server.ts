import { findRunByBulkOperation } from "../../lib/sync/runs.server.ts";
import {
  endUnknownRun,
  observeBulkOperation,
  readBulkOperation,
} from "../../lib/sync/sync.server.ts";
import { bulkOperationFinishPayload } from "../../lib/webhooks/payloads.ts";
import { defineDeliveryTask } from "./delivery-task.server.ts";

/**
 * bulk_operations/finish carries no result URL: the task reads the run by id, then acts as a poll
 * that saw it finish would. A second finish (or the poll) finds the run's result already claimed.
 */
export const bulkOperationsFinish = defineDeliveryTask("bulk-operations.finish", {
  schema: bulkOperationFinishPayload,
  shop: "any",
  async process({ client, delivery, payload, logFields }) {
    const run = await findRunByBulkOperation(
      client,
      delivery.shopDomain,
      payload.admin_graphql_api_id,
    );
    if (!run) {
      return {
        status: "ignored",
        reason: `No sync run of ${delivery.shopDomain} started ${payload.admin_graphql_api_id}`,
      };
    }
    logFields.syncRunId = run.id;
    if (run.status !== "running" || run.ingestQueuedAt) {
      return { status: "ignored", reason: `Sync run ${run.id} has already been finished` };
    }
    const operation = await readBulkOperation(run);
    const observation = operation
      ? await observeBulkOperation(client, run, operation)
      : await endUnknownRun(client, run);
    logFields.observation = observation;
    if (observation === "already settled") {
      // Another finish (a twin delivery, or the poll) claimed the run first.
      return { status: "ignored", reason: `Sync run ${run.id} has already been finished` };
    }
    return { status: "processed" };
  },
});
