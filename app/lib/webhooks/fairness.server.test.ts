// Per-shop fairness (docs/decisions/007): a shop's job priority steps down with the deliveries it
// sent in the last ten seconds, and nothing else's. Unit tier: time is passed in, nothing starts.
import { describe, expect, it } from "vitest";
import { forgetQuietShops, priorityForDelivery } from "./fairness.server.ts";

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

/** Sends `count` deliveries for `shop` at `atMs` and returns the last one's priority. */
function send(shop: string, count: number, atMs: number): number {
  let priority = -1;
  for (let i = 0; i < count; i++) priority = priorityForDelivery(shop, atMs);
  return priority;
}

describe("priorityForDelivery", () => {
  it("keeps a quiet shop at priority 0 and steps a flood down at 50, 500, 5,000 and 50,000", () => {
    expect(send("steps.myshopify.com", 49, T0)).toBe(0);
    expect(send("steps.myshopify.com", 1, T0)).toBe(1);
    expect(send("steps.myshopify.com", 449, T0)).toBe(1);
    expect(send("steps.myshopify.com", 1, T0)).toBe(2);
    expect(send("steps.myshopify.com", 4_500, T0)).toBe(3);
    expect(send("steps.myshopify.com", 45_000, T0)).toBe(4);
  });

  it("counts each shop on its own", () => {
    send("noisy.myshopify.com", 600, T0);
    expect(priorityForDelivery("noisy.myshopify.com", T0)).toBe(2);
    expect(priorityForDelivery("quiet.myshopify.com", T0)).toBe(0);
  });

  it("counts only the last ten seconds", () => {
    send("window.myshopify.com", 60, T0);
    expect(priorityForDelivery("window.myshopify.com", T0 + 9_000)).toBe(1);
    // Ten seconds after the burst its second has left the window: only the newest count.
    expect(priorityForDelivery("window.myshopify.com", T0 + 10_000)).toBe(0);
    send("window.myshopify.com", 30, T0 + 12_000);
    expect(send("window.myshopify.com", 30, T0 + 15_000)).toBe(1);
    expect(priorityForDelivery("window.myshopify.com", T0 + 60_000)).toBe(0);
  });

  it("forgets shops silent for a window, and starts them again at 0", () => {
    send("forgotten.myshopify.com", 100, T0);
    forgetQuietShops(T0 + 10_000);
    expect(priorityForDelivery("forgotten.myshopify.com", T0 + 10_000)).toBe(0);
  });
});
