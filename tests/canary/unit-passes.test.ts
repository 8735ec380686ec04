// The canary's control for the unit tier: passes, and starts no database and no stand-in.
import { expect, it } from "vitest";

it("passes in the unit tier, with no database and no stand-in", () => {
  expect(process.env.DATABASE_URL).toBe("postgres://unit-tier@127.0.0.1:9/no-database");
  expect(process.env.SHOPIFY_STANDIN_URL).toBeUndefined();
});
