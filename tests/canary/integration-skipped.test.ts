// The canary (scripts/ci/canary.ts): a skipped test must fail the run (tests/setup/no-skipped-tests.ts).
// This file MUST fail the run; CI fails when it does not.
import { expect, it } from "vitest";

it.skip("is skipped on purpose", () => {
  expect(true).toBe(true);
});
