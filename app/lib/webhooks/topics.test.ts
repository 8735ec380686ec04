// The topic table (which task handles which webhook topic), unit tier. shopify.app.toml's
// subscriptions are checked against it in tests/integration/app-config.test.ts.
import { describe, expect, it } from "vitest";
import { taskCatalog } from "../queue/catalog.ts";
import {
  COMPLIANCE_TOPICS,
  DELIVERY_JOB_KEY_PREFIX,
  DELIVERY_TASKS,
  deliveryIdOfJobKey,
  deliveryJobKey,
  taskForTopic,
  TOPIC_TASKS,
} from "./topics.ts";

describe("topics", () => {
  it("map every topic to a task of the catalog that takes a delivery id", () => {
    for (const task of DELIVERY_TASKS) {
      expect(
        taskCatalog[task].safeParse({ deliveryId: "b54557e4-8a5f-4bf7-9d70-bcd043aa0001" }).success,
      ).toBe(true);
    }
  });

  it("include Shopify's three mandatory compliance topics", () => {
    expect([...COMPLIANCE_TOPICS].sort()).toEqual(
      ["customers/data_request", "customers/redact", "shop/redact"].sort(),
    );
    for (const topic of COMPLIANCE_TOPICS) expect(TOPIC_TASKS[topic]).toMatch(/^compliance\./);
  });

  it("route both order topics to one upsert, and know nothing of other topics", () => {
    expect(taskForTopic("orders/create")).toBe("orders.upsert");
    expect(taskForTopic("orders/updated")).toBe("orders.upsert");
    expect(taskForTopic("products/update")).toBeUndefined();
    // Inherited properties are not topics.
    expect(taskForTopic("constructor")).toBeUndefined();
    expect(taskForTopic("__proto__")).toBeUndefined();
  });

  it("namespace a delivery's job key, and read the id back from old and new keys", () => {
    expect(deliveryJobKey("abc")).toBe(`${DELIVERY_JOB_KEY_PREFIX}abc`);
    expect(deliveryIdOfJobKey(deliveryJobKey("abc"))).toBe("abc");
    expect(deliveryIdOfJobKey("abc")).toBe("abc");
  });
});
