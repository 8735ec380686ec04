/**
 * /app/privacy: the customers/data_request requests Shopify sent for this shop, and the export Recur
 * built for each, to download as JSON and hand to the customer.
 */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Button, IndexTable, Link, Text } from "@shopify/polaris";
import { useState } from "react";
import { formatTime, plural } from "../components/format.ts";
import { ListPage } from "../components/ListPage.tsx";
import { NumericCell } from "../components/NumericCell.tsx";
import { RouteError } from "../components/RouteError.tsx";
import { pool } from "../db.server.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { parseSearch } from "../lib/admin/http.server.ts";
import { dataRequestListSchema, listDataRequests } from "../lib/admin/privacy.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const input = parseSearch(request, dataRequestListSchema);
  return json({ page: await listDataRequests(pool, shop.id, input) });
};

/**
 * Downloads through fetch: App Bridge adds the session token to the app's fetches, which a plain
 * link navigation inside the admin's frame would not carry.
 */
function useDownload() {
  const shopify = useAppBridge();
  const [busy, setBusy] = useState<number | null>(null);
  const download = async (id: number) => {
    setBusy(id);
    try {
      const response = await fetch(`/app/privacy/${id}/export`);
      if (!response.ok) throw new Error(`The export could not be read (HTTP ${response.status})`);
      const name =
        /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ??
        `data-request-${id}.json`;
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement("a");
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      shopify.toast.show(`Downloaded ${name}`);
    } catch (error) {
      shopify.toast.show(error instanceof Error ? error.message : String(error), {
        isError: true,
      });
    } finally {
      setBusy(null);
    }
  };
  return { download, busy };
}

export default function PrivacyRequests() {
  const { page } = useLoaderData<typeof loader>();
  const { download, busy } = useDownload();
  return (
    <ListPage
      title="Privacy requests"
      resourceName={{ singular: "data request", plural: "data requests" }}
      page={page}
      header={
        <Text as="p" tone="subdued">
          When a customer asks your store for their data, Shopify sends Recur a data request. Recur
          answers with everything it holds about that customer: download it and send it to them.
        </Text>
      }
      empty={{
        heading: "No data requests",
        text: "Customers' requests for their data will show here.",
      }}
      headings={[
        { title: "Request" },
        { title: "Received" },
        { title: "Customer" },
        { title: "Orders asked for", alignment: "end" },
        { title: "Export" },
        { title: "" },
      ]}
    >
      {page.rows.map((request, index) => (
        <IndexTable.Row id={String(request.id)} key={request.id} position={index}>
          <IndexTable.Cell>
            <Text as="span" fontWeight="semibold">
              {request.shopifyRequestId}
            </Text>
          </IndexTable.Cell>
          <IndexTable.Cell>{formatTime(request.requestedAt)}</IndexTable.Cell>
          <IndexTable.Cell>
            {request.customerId && request.customerFound ? (
              <Link url={`/app/customers/${request.customerId}`} removeUnderline>
                {request.customerEmail ?? `Customer ${request.customerId}`}
              </Link>
            ) : (
              (request.customerEmail ?? request.customerId ?? "—")
            )}
          </IndexTable.Cell>
          <NumericCell>{request.ordersRequested.length}</NumericCell>
          <IndexTable.Cell>
            {request.customerFound
              ? `Customer and ${plural(request.exportedOrders, "order")}`
              : `Customer not in Recur; ${plural(request.exportedOrders, "order")}`}
          </IndexTable.Cell>
          <IndexTable.Cell>
            <Button
              size="slim"
              onClick={() => void download(request.id)}
              loading={busy === request.id}
              accessibilityLabel={`Download the export of request ${request.shopifyRequestId}`}
            >
              Download JSON
            </Button>
          </IndexTable.Cell>
        </IndexTable.Row>
      ))}
    </ListPage>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Privacy requests" backUrl="/app" />;
}
