/** Placeholder replaced by the sweeper of the webhook pipeline. */
import { defineTask } from "../define-task.server.ts";

export const sweeper = defineTask("sweeper", async () => {});
