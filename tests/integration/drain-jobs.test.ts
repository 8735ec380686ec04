// drainJobs (tests/support/jobs.ts) is what every deterministic job test stands on: when it
// returns, each job it ran must be settled, never still locked with its attempt unrecorded. Each
// case repeats, because the race it guards against (graphile-worker's runOnce resolving before
// its last completeJob/failJob was written) lost some runs (docs/decisions/024).
import { describe, expect, it } from "vitest";
import { query } from "../support/db.ts";
import { drainJobs, jobs } from "../support/jobs.ts";

const ROUNDS = 40;

const taskList = {
  "test.fails": async () => {
    throw new Error("fails on purpose");
  },
  "test.succeeds": async () => {},
};

describe("drainJobs", () => {
  it("returns only when a failing job has used up its attempts, unlocked, as the sweeper sees it", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await query(`SELECT graphile_worker.add_job('test.fails', '{}'::json, max_attempts := 3)`);
      await drainJobs({ taskList });
      const [job] = await jobs();
      expect({ round, ...job }).toMatchObject({
        round,
        task_identifier: "test.fails",
        attempts: 3,
        max_attempts: 3,
        locked_at: null,
        last_error: "fails on purpose",
      });
      // What the sweeper selects (app/lib/queue/maintenance.server.ts).
      expect(
        await query(
          "SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE attempts >= max_attempts AND locked_at IS NULL",
        ),
      ).toEqual([{ n: 1 }]);
      await query("SELECT graphile_worker.complete_jobs(array_agg(id)) FROM graphile_worker.jobs");
    }
  });

  it("returns only when succeeding jobs are completed and gone", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await query(
        `SELECT graphile_worker.add_job('test.succeeds', '{}'::json) FROM generate_series(1, 4)`,
      );
      await drainJobs({ taskList });
      expect({ round, jobs: await jobs() }).toEqual({ round, jobs: [] });
    }
  });
});
