import { describe, expect, it } from "vitest";
import { PARTITION_PRIME, partitionOf } from "./partitions.ts";

describe("partitionOf", () => {
  it("is the square of the id modulo the prime, modulo the count, for ids up to 2^64 - 1", () => {
    const ids = ["1", "7", "1000003", "1000004", "5765404795040", "820982911946154508"];
    ids.push("18446744073709551615", "99999999999999999999");
    for (const id of ids) {
      for (const count of [2, 3, 4]) {
        const rest = BigInt(id) % BigInt(PARTITION_PRIME);
        const expected = Number(((rest * rest) % BigInt(PARTITION_PRIME)) % BigInt(count));
        expect(partitionOf(id, count), `${id} of ${count}`).toBe(expected);
      }
    }
  });

  it("puts every id in partition 0 of 1", () => {
    expect(partitionOf("820982911946154509", 1)).toBe(0);
  });

  it("splits ids evenly between two partitions whatever step they advance by", () => {
    for (const step of [1n, 2n, 10n, 7n]) {
      const counts = [0, 0];
      const first = 7_043_296_591_976n;
      for (let i = 0n; i < 10_000n; i++) counts[partitionOf(String(first + step * i), 2)]! += 1;
      expect(counts[0], `step ${step}`).toBeGreaterThan(4_500);
      expect(counts[1], `step ${step}`).toBeGreaterThan(4_500);
    }
  });
});
