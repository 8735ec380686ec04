/** Every task the worker runs, keyed by its catalog name. */
import type { TaskList } from "graphile-worker";
import type { TaskName } from "../lib/queue/catalog.ts";
import { toGraphileTask, type TaskDefinition } from "./define-task.server.ts";
import { appUninstalled } from "./tasks/app-uninstalled.server.ts";
import { bulkOperationsFinish } from "./tasks/bulk-operations-finish.server.ts";
import { customersDataRequest } from "./tasks/customers-data-request.server.ts";
import { customersDelete } from "./tasks/customers-delete.server.ts";
import { customersPurchasingSummary } from "./tasks/customers-purchasing-summary.server.ts";
import { customersRedact } from "./tasks/customers-redact.server.ts";
import { customersTagsAdded } from "./tasks/customers-tags-added.server.ts";
import { customersTagsRemoved } from "./tasks/customers-tags-removed.server.ts";
import { customersCreate, customersUpsert } from "./tasks/customers-create-update.server.ts";
import { ordersDelete } from "./tasks/orders-delete.server.ts";
import { ordersUpsert } from "./tasks/orders-create-updated.server.ts";
import { reconcile } from "./tasks/reconcile.server.ts";
import { retention } from "./tasks/retention.server.ts";
import { rfmNightly, rfmRescoreCustomer, rfmScoreShop } from "./tasks/rfm.server.ts";
import { shopSettings } from "./tasks/shop-settings.server.ts";
import { shopRedact } from "./tasks/shop-redact.server.ts";
import { sweeper } from "./tasks/sweeper.server.ts";
import { syncIngest } from "./tasks/sync-ingest.server.ts";
import { syncPoll } from "./tasks/sync-poll.server.ts";
import { syncStart } from "./tasks/sync-start.server.ts";

const definitions = [
  customersCreate,
  customersUpsert,
  customersPurchasingSummary,
  customersTagsAdded,
  customersTagsRemoved,
  customersDelete,
  ordersUpsert,
  ordersDelete,
  appUninstalled,
  customersDataRequest,
  customersRedact,
  shopRedact,
  bulkOperationsFinish,
  syncStart,
  syncPoll,
  syncIngest,
  rfmScoreShop,
  rfmRescoreCustomer,
  rfmNightly,
  shopSettings,
  sweeper,
  reconcile,
  retention,
] satisfies TaskDefinition<TaskName>[];

export const taskList: TaskList = Object.fromEntries(
  definitions.map((definition) => [definition.name, toGraphileTask(definition)]),
);
