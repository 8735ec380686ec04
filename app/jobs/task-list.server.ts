/** Every task the worker runs, keyed by its catalog name. */
import type { TaskList } from "graphile-worker";
import type { TaskName } from "./catalog.ts";
import { toGraphileTask, type TaskDefinition } from "./define-task.server.ts";
import { appUninstalled } from "./tasks/app-uninstalled.server.ts";
import { customersDataRequest, customersRedact, shopRedact } from "./tasks/compliance.server.ts";
import { bulkOperationsFinish } from "./tasks/bulk-operations-finish.server.ts";
import {
  customersPurchasingSummary,
  customersTagsAdded,
  customersTagsRemoved,
  customersUpsert,
} from "./tasks/customers-upsert.server.ts";
import { ordersUpsert } from "./tasks/orders-upsert.server.ts";
import { customersDelete, ordersDelete } from "./tasks/resource-delete.server.ts";
import { reconcile } from "./tasks/reconcile.server.ts";
import { sweeper } from "./tasks/sweeper.server.ts";
import { syncIngest, syncPoll, syncStart } from "./tasks/sync.server.ts";

const definitions = [
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
  sweeper,
  reconcile,
] satisfies TaskDefinition<TaskName>[];

export const taskList: TaskList = Object.fromEntries(
  definitions.map((definition) => [definition.name, toGraphileTask(definition)]),
);
