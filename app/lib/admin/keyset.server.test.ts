// Keyset cursors and list query strings (docs/decisions/015), unit tier: a cursor is opaque to the
// merchant, round-trips exactly (a sort value as Postgres printed it, NULL included), and one that
// is not ours is a 400 that says so. keysetPage itself runs against PostgreSQL in the integration
// tier (tests/integration/admin-pages.test.ts).
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, PAGE_SIZE, sortedListSchema } from "./keyset.server.ts";

async function thrown(run: () => unknown): Promise<Response> {
  try {
    run();
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
  throw new Error("nothing was thrown");
}

describe("cursors", () => {
  it.each([
    { value: "2026-11-20 10:01:00+00", id: "18446744073709551615" },
    { value: null, id: "42" },
    { value: 'O\'Brien, "Ada" / ünïcode ✓', id: "7" },
    { value: "", id: "1" },
  ])("round-trip %o through URL-safe text", (cursor) => {
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
  });

  it.each([
    ["not base64url JSON", "not-a-cursor"],
    ["a JSON object", Buffer.from('{"value":"a","id":"1"}').toString("base64url")],
    ["an empty id", Buffer.from('["a",""]').toString("base64url")],
    ["a numeric value", Buffer.from('[1,"1"]').toString("base64url")],
  ])("refuse %s with a 400 that says what to do", async (_, text) => {
    const response = await thrown(() => decodeCursor(text));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(
      /cursor is not valid; go back to the first page/,
    );
  });
});

describe("sortedListSchema", () => {
  const schema = sortedListSchema(["updated", "created"], "updated");

  it("defaults to the default sort, newest first", () => {
    expect(schema.parse({})).toEqual({ sort: "updated", direction: "desc" });
  });

  it("names what is wrong", () => {
    const result = schema.safeParse({ sort: "bogus", direction: "up", q: "x".repeat(201) });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((issue) => issue.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        "sort must be one of updated, created",
        "direction must be asc or desc",
        "Search for at most 200 characters",
      ]),
    );
  });

  it("pages 50 rows at a time", () => {
    expect(PAGE_SIZE).toBe(50);
  });
});
