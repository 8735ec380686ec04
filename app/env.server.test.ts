// The configuration's pure rules (docs/decisions/020), unit tier: parseEnv and isLoopback on
// literal environments. tests/integration/config.test.ts covers the same rules through the real
// processes.
import { describe, expect, it } from "vitest";
import { EnvError, isLoopback, parseEnv } from "./env.server.ts";

const production = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://recur.example.com",
  DATABASE_URL: "postgres://recur@db.example.com/recur",
};

describe("isLoopback", () => {
  it.each([
    ["http://localhost:4000", true],
    ["http://127.0.0.1:4000", true],
    ["http://127.255.0.9", true],
    ["http://[::1]:4000", true],
    ["http://10.0.0.1", false],
    ["http://127.0.0.1.example.com", false],
    ["http://localhost.example.com", false],
    ["https://shop.myshopify.com", false],
  ])("%s is loopback: %s", (url, loopback) => {
    expect(isLoopback(new URL(url))).toBe(loopback);
  });
});

describe("parseEnv", () => {
  it("parses the scopes as a list and numbers as numbers", () => {
    const env = parseEnv({ ...production, SCOPES: " read_orders , read_customers,", PORT: "8080" });
    expect(env.SCOPES).toEqual(["read_orders", "read_customers"]);
    expect(env.PORT).toBe(8080);
  });

  it("names every variable that is wrong, in one error", () => {
    let error: unknown;
    try {
      parseEnv({ SHOPIFY_APP_URL: "http://recur.example.com" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as EnvError).message;
    for (const name of ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "DATABASE_URL"]) {
      expect(message).toContain(`${name} is not set`);
    }
  });

  it("refuses the stand-in off loopback, even in a test process", () => {
    expect(() =>
      parseEnv({
        ...production,
        NODE_ENV: "test",
        SHOPIFY_STANDIN_URL: "http://standin.example.com:4000",
      }),
    ).toThrow(/SHOPIFY_STANDIN_URL/);
  });
});
