import { readFile } from "node:fs/promises";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { TOPIC_TASKS, COMPLIANCE_TOPICS } from "../../app/lib/webhooks/topics.ts";
import { API_VERSION } from "../../app/shopify.server.ts";

interface AppToml {
  name: string;
  access_scopes: { scopes: string };
  webhooks: {
    api_version: string;
    subscriptions: { topics?: string[]; compliance_topics?: string[]; uri: string }[];
  };
}

const toml = parse(await readFile("shopify.app.toml", "utf8")) as unknown as AppToml;

describe("shopify.app.toml", () => {
  it("names the app Recur", () => {
    expect(toml.name).toBe("Recur");
  });

  it("uses the app's one Admin API version", () => {
    expect(toml.webhooks.api_version).toBe(API_VERSION);
    expect(API_VERSION).toBe("2026-10");
  });

  it("subscribes to exactly the topics Recur handles, all at /webhooks", () => {
    const subscriptions = toml.webhooks.subscriptions;
    expect(subscriptions.every((s) => s.uri === "/webhooks")).toBe(true);
    const topics = subscriptions.flatMap((s) => s.topics ?? []);
    const compliance = subscriptions.flatMap((s) => s.compliance_topics ?? []);
    expect(compliance.sort()).toEqual([...COMPLIANCE_TOPICS].sort());
    expect([...topics, ...compliance].sort()).toEqual(Object.keys(TOPIC_TASKS).sort());
  });

  it("asks for the scopes the app is configured with by default", async () => {
    const { parseEnv } = await import("../../app/env.server.ts");
    const defaults = parseEnv({
      DATABASE_URL: "postgres://x@y/z",
      SHOPIFY_API_KEY: "key",
      SHOPIFY_API_SECRET: "secret",
      SHOPIFY_APP_URL: "https://recur.example.com",
    }).SCOPES;
    expect(toml.access_scopes.scopes.split(",")).toEqual(defaults);
  });
});
