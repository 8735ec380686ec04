// Zod's complaints in one line (app/lib/zod-issues.ts), unit tier: paths in zod's dot notation, the
// value itself named by its root or told by its message alone, at most `limit` issues.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeIssues, issuePath } from "./zod-issues.ts";

const order = z.object({
  id: z.number(),
  line_items: z.array(z.object({ price: z.string() })),
  email: z.string(),
  note: z.string(),
});

function errorOf(schema: z.ZodType, value: unknown): z.ZodError {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error("expected the value to fail its schema");
  return parsed.error;
}

describe("describeIssues", () => {
  it("names each issue by its path in dot notation, array indexes in brackets", () => {
    const error = errorOf(order, { id: "7", line_items: [{ price: 3 }], email: "a", note: "" });
    expect(describeIssues(error)).toBe(
      "id: Invalid input: expected number, received string; " +
        "line_items[0].price: Invalid input: expected string, received number",
    );
  });

  it("names at most `limit` issues, three by default", () => {
    const error = errorOf(order, {});
    expect(error.issues).toHaveLength(4);
    expect(
      describeIssues(error)
        .split("; ")
        .map((part) => part.split(":")[0]),
    ).toEqual(["id", "line_items", "email"]);
    expect(describeIssues(error, { limit: 1 })).toBe(
      "id: Invalid input: expected number, received undefined",
    );
  });

  it("calls the value itself by its root, or gives the message alone without one", () => {
    const error = errorOf(order, null);
    expect(describeIssues(error, { root: "payload" })).toBe(
      "payload: Invalid input: expected object, received null",
    );
    expect(describeIssues(error)).toBe("Invalid input: expected object, received null");
  });

  it("keeps a schema's own message", () => {
    const error = errorOf(z.object({ kind: z.enum(["full"], { error: "kind must be full" }) }), {
      kind: "x",
    });
    expect(describeIssues(error)).toBe("kind: kind must be full");
  });
});

describe("issuePath", () => {
  it("is the root only for an issue about the value itself", () => {
    const [nested] = errorOf(order, { id: 1, line_items: [], email: 1, note: "" }).issues;
    const [whole] = errorOf(order, 5).issues;
    expect(issuePath(nested!, "payload")).toBe("email");
    expect(issuePath(whole!, "payload")).toBe("payload");
    expect(issuePath(whole!)).toBeUndefined();
  });
});
