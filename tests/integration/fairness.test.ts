import { describe, expect, it } from "vitest";
import { priorityForDelivery } from "../../app/lib/webhooks/fairness.server.ts";

describe("per-shop fairness of the webhook queue", () => {
  it("keeps a quiet shop's jobs first while a noisy shop floods", () => {
    const start = Date.UTC(2026, 10, 27, 12);
    const noisy: number[] = [];
    // 2,000 deliveries a second from one shop, for five seconds; one a second from another.
    for (let ms = 0; ms < 5000; ms += 1) {
      noisy.push(priorityForDelivery("noisy.myshopify.com", start + ms));
      noisy.push(priorityForDelivery("noisy.myshopify.com", start + ms));
    }
    const quiet = [0, 1000, 2000, 3000, 4000].map((ms) =>
      priorityForDelivery("quiet.myshopify.com", start + ms),
    );
    expect(quiet).toEqual([0, 0, 0, 0, 0]);
    expect(noisy[0]).toBe(0);
    expect(noisy.at(-1)).toBe(3);
    // The noisy shop's priority only ever steps away from the quiet shop's as its flood grows.
    expect(noisy.every((priority, i) => i === 0 || priority >= noisy[i - 1]!)).toBe(true);
  });

  it("forgets a flood: ten seconds after it ends, the shop is back at priority 0", () => {
    const start = Date.UTC(2026, 10, 27, 13);
    for (let i = 0; i < 6000; i++) priorityForDelivery("calm-again.myshopify.com", start + i / 10);
    expect(priorityForDelivery("calm-again.myshopify.com", start + 1000)).toBeGreaterThan(0);
    expect(priorityForDelivery("calm-again.myshopify.com", start + 12_000)).toBe(0);
  });
});
