import { describe, expect, it } from "vitest";
import { parseEnv } from "../../app/env.server.ts";

const valid = {
  NODE_ENV: "production",
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://recur.example.com",
  DATABASE_URL: "postgres://recur@db.example.com/recur",
};

describe("configuration", () => {
  it("accepts a complete production environment", () => {
    const env = parseEnv(valid);
    expect(env.SHOPIFY_API_SECRET).toBe("secret");
    expect(env.SCOPES).toEqual(["read_customers", "read_orders", "read_all_orders"]);
    expect(env.PORT).toBe(3000);
  });

  it("refuses to start production without the API secret, naming it", () => {
    const { SHOPIFY_API_SECRET: _, ...withoutSecret } = valid;
    expect(() => parseEnv(withoutSecret)).toThrow(/SHOPIFY_API_SECRET is required in production/);
  });

  it("names every missing or malformed variable", () => {
    expect(() => parseEnv({ ...valid, DATABASE_URL: undefined, PORT: "eighty" })).toThrow(
      /DATABASE_URL is not set[\s\S]*PORT/,
    );
    expect(() => parseEnv({ ...valid, DATABASE_URL: "mysql://x" })).toThrow(
      /DATABASE_URL must be a postgres:\/\/ connection string/,
    );
  });

  it("has safe development defaults for the app credentials, never for the database", () => {
    const env = parseEnv({ NODE_ENV: "development", DATABASE_URL: valid.DATABASE_URL });
    expect(env.SHOPIFY_API_SECRET).toBe("recur-dev-api-secret");
    expect(() => parseEnv({ NODE_ENV: "development" })).toThrow(/DATABASE_URL is not set/);
  });

  it("refuses the Shopify stand-in in production", () => {
    expect(() => parseEnv({ ...valid, SHOPIFY_STANDIN_URL: "http://127.0.0.1:4000" })).toThrow(
      /SHOPIFY_STANDIN_URL the Shopify stand-in is for tests and the demo/,
    );
  });
});
