// The canary (scripts/ci/canary.ts): a failing assertion in a file that runs through the suite's
// global setup. This file MUST fail; CI fails when it does not.
import { expect, it } from "vitest";

it("fails on purpose: an assertion that does not hold", () => {
  expect(1).toBe(2);
});
