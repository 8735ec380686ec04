/** Wraps a task body: parses its payload with the catalog schema, and logs one line per run. */
import type { JobHelpers, Task } from "graphile-worker";
import { logger } from "../logger.server.ts";
import { describeIssues } from "../lib/zod-issues.ts";
import { taskCatalog, type TaskName, type TaskPayload } from "../lib/queue/catalog.ts";

export class InvalidJobPayloadError extends Error {
  override name = "InvalidJobPayloadError";
}

export interface TaskContext {
  helpers: JobHelpers;
  /** Fields for this run's log line (shop, topic, delivery id, ...). Never personal data. */
  logFields: Record<string, unknown>;
}

export interface TaskDefinition<T extends TaskName> {
  name: T;
  run: (payload: TaskPayload<T>, context: TaskContext) => Promise<void>;
}

export function defineTask<T extends TaskName>(
  name: T,
  run: TaskDefinition<T>["run"],
): TaskDefinition<T> {
  return { name, run };
}

export function toGraphileTask<T extends TaskName>(definition: TaskDefinition<T>): Task {
  return async (rawPayload, helpers) => {
    const started = performance.now();
    const logFields: Record<string, unknown> = {
      task: definition.name,
      jobId: helpers.job.id,
      attempt: helpers.job.attempts,
    };
    const parsed = taskCatalog[definition.name].safeParse(rawPayload);
    if (!parsed.success) {
      // A payload that does not fit its task never runs the task body. The job fails, and once it
      // exhausts max_attempts the sweeper reports it; the error names what was wrong.
      const error = new InvalidJobPayloadError(
        `invalid ${definition.name} payload: ${describeIssues(parsed.error, { root: "payload", limit: Infinity })}`,
      );
      logger.error({ ...logFields, err: error }, "job rejected");
      throw error;
    }
    const durationMs = () => Math.round(performance.now() - started);
    try {
      await definition.run(parsed.data as TaskPayload<T>, { helpers, logFields });
      logger.info({ ...logFields, durationMs: durationMs() }, "job done");
    } catch (error) {
      logger.warn({ ...logFields, durationMs: durationMs(), err: error }, "job failed");
      throw error;
    }
  };
}
