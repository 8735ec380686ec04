/** Every task the worker runs, keyed by its catalog name. */
import type { TaskList } from "graphile-worker";
import type { TaskName } from "./catalog.ts";
import { toGraphileTask, type TaskDefinition } from "./define-task.server.ts";
import { appUninstalled } from "./tasks/app-uninstalled.server.ts";
import { customersDataRequest, customersRedact, shopRedact } from "./tasks/compliance.server.ts";
import { customersUpsert } from "./tasks/customers-upsert.server.ts";
import { ordersUpsert } from "./tasks/orders-upsert.server.ts";
import { customersDelete, ordersDelete } from "./tasks/resource-delete.server.ts";
import { sweeper } from "./tasks/sweeper.server.ts";

const definitions = [
  customersUpsert,
  customersDelete,
  ordersUpsert,
  ordersDelete,
  appUninstalled,
  customersDataRequest,
  customersRedact,
  shopRedact,
  sweeper,
] satisfies TaskDefinition<TaskName>[];

export const taskList: TaskList = Object.fromEntries(
  definitions.map((definition) => [definition.name, toGraphileTask(definition)]),
);
