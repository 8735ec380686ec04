// The canary (scripts/ci/canary.ts): a failing assertion in the e2e project. This file MUST fail;
// CI fails when it does not.
import { expect, it } from "vitest";

it("fails on purpose: an assertion that does not hold", () => {
  expect("passed").toBe("failed");
});
