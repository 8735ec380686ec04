import { pool } from "../../db.server.ts";
import { env } from "../../env.server.ts";
import { removeExpiredPersonalData } from "../../lib/db/personal-data.server.ts";
import { defineTask } from "../define-task.server.ts";

/**
 * Every hour: settled webhook deliveries older than DELIVERY_RETENTION_DAYS lose their payload's
 * personal content (docs/decisions/037). Dead letters keep theirs until they are retried.
 */
export const retention = defineTask("retention", async (_payload, { logFields }) => {
  logFields.retentionDays = env.DELIVERY_RETENTION_DAYS;
  logFields.scrubbed = await removeExpiredPersonalData(pool, {
    retentionDays: env.DELIVERY_RETENTION_DAYS,
  });
});
