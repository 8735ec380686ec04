/** Every task the worker runs, keyed by its catalog name. */
import type { TaskList } from "graphile-worker";
import type { TaskName } from "./catalog.ts";
import { toGraphileTask, type TaskDefinition } from "./define-task.server.ts";
import { sweeper } from "./tasks/sweeper.server.ts";

const definitions: { [T in TaskName]?: TaskDefinition<T> } = {
  sweeper,
};

export const taskList: TaskList = Object.fromEntries(
  Object.values(definitions).map((definition) => [
    definition.name,
    toGraphileTask(definition as TaskDefinition<TaskName>),
  ]),
);
