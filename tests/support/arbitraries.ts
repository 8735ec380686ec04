/** fast-check generators shared by the property tests. */
import fc from "fast-check";

/** A length n (within bounds) and an arrival order of 0…n-1. */
export function countAndArrival(min: number, max: number) {
  return fc
    .integer({ min, max })
    .chain((n) =>
      fc.tuple(
        fc.constant(n),
        fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      ),
    );
}
