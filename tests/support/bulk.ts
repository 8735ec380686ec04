/** Runs a bulk query on the Shopify stand-in, as Recur would, and returns the result file's text. */
import type { StandIn } from "../shopify-standin/index.ts";

export async function runBulkQuery(
  standIn: StandIn,
  shop: { shop: string; accessToken: string },
  query: string,
): Promise<{ text: string; createdAt: string }> {
  const response = await fetch(`${standIn.url}/admin/api/2026-10/graphql.json`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Access-Token": shop.accessToken,
      "X-Forwarded-Host": shop.shop,
    },
    body: JSON.stringify({
      query: `mutation($q: String!) { bulkOperationRunQuery(query: $q, groupObjects: false) {
        bulkOperation { id } userErrors { message } } }`,
      variables: { q: query },
    }),
  });
  const { data } = (await response.json()) as {
    data: {
      bulkOperationRunQuery: {
        bulkOperation: { id: string } | null;
        userErrors: { message: string }[];
      };
    };
  };
  const operation = data.bulkOperationRunQuery.bulkOperation;
  if (!operation)
    throw new Error(data.bulkOperationRunQuery.userErrors.map((e) => e.message).join("; "));
  const done = await standIn.waitForBulkOperation(shop.shop, operation.id, ["COMPLETED"]);
  const text = done.url ? await (await fetch(done.url)).text() : "";
  return { text, createdAt: done.createdAt };
}
