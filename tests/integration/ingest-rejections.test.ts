/**
 * What a rejected bulk line says in the sync log, which the merchant reads: ids are quoted only
 * when they parse as Shopify GIDs (and then in canonical form); anything else a line held, an
 * email address say, is never echoed.
 */
import { describe, expect, it } from "vitest";
import { pool } from "../../app/db.server.ts";
import { ingestBulkResult } from "../../app/lib/sync/ingest.server.ts";
import { installShop } from "../support/db.ts";

const EMAIL = "jane.doe@example.com";

describe("rejected bulk lines", () => {
  it("quote Shopify GIDs only, never other content of the line", async () => {
    const shopId = await installShop("rejections.myshopify.com");
    const file = [
      // An id that is not a GID at all: personal data where an id should be.
      JSON.stringify({ id: EMAIL, email: EMAIL }),
      // A GID with a suffix that carries personal data, on an object of a type the file should not hold.
      JSON.stringify({ id: `gid://shopify/GiftCard/77?note=${EMAIL}` }),
      // A customer whose fields are wrong, with a suffix on its GID.
      JSON.stringify({ id: `gid://shopify/Customer/5?email=${EMAIL}`, updatedAt: 42 }),
    ].join("\n");
    const client = await pool.connect();
    try {
      const counts = await ingestBulkResult(client, new Blob([`${file}\n`]).stream(), {
        shopId,
        entity: "customers",
        snapshotAt: "2026-12-01T00:00:00Z",
      });
      expect(counts.rejected).toBe(3);
      const text = counts.rejections.join(" | ");
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain("jane");
      expect(counts.rejections[0]).toBe("line 1: an id that is not a Shopify GID");
      expect(counts.rejections[1]).toBe("line 2: unexpected object gid://shopify/GiftCard/77");
      expect(counts.rejections[2]).toMatch(/^line 3: gid:\/\/shopify\/Customer\/5: /);
    } finally {
      client.release();
    }
  });
});
