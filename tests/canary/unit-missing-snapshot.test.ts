// The canary (scripts/ci/canary.ts), run under CI=true: a file snapshot that was never written (as
// a new guarded-upsert statement without its .sql file) must fail the run and stay unwritten.
// This file MUST fail; CI fails when it does not.
import { expect, it } from "vitest";

it("fails on purpose: a file snapshot that does not exist", async () => {
  await expect("SELECT 1;\n").toMatchFileSnapshot("./snapshots/never-written.sql");
});
