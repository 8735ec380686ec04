// The canary (scripts/ci/canary.ts): a failing beforeAll skips the tests under it, and that must
// fail the run too. This file MUST fail; CI fails when it does not.
import { beforeAll, expect, it } from "vitest";

beforeAll(() => {
  throw new Error("fails on purpose: a hook that throws");
});

it("never runs, because its hook failed", () => {
  expect(true).toBe(true);
});
