/** /app/orders: the orders Recur holds for the shop; search, sort, pages. */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, IndexTable, InlineStack, Link, Text } from "@shopify/polaris";
import { formatMoney, formatTime, humanize } from "../components/format.ts";
import { NumericCell } from "../components/NumericCell.tsx";
import { RouteError } from "../components/RouteError.tsx";
import type { SortChoice } from "../components/SearchAndSort.tsx";
import { SearchableList } from "../components/SearchableList.tsx";
import { pool } from "../db.server.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { parseSearch } from "../lib/admin/http.server.ts";
import { MIN_WORD, searchTooShort } from "../lib/admin/search.server.ts";
import { listOrders, orderListSchema } from "../lib/admin/orders.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const input = parseSearch(request, orderListSchema);
  return json({
    page: await listOrders(pool, shop.id, input),
    tooShort: searchTooShort(input.q),
    minWord: MIN_WORD,
  });
};

const SORTS: SortChoice[] = [
  { label: "Newest", sort: "created", direction: "desc" },
  { label: "Oldest", sort: "created", direction: "asc" },
  { label: "Total, highest", sort: "total", direction: "desc" },
  { label: "Total, lowest", sort: "total", direction: "asc" },
];

export default function Orders() {
  const { page, tooShort, minWord } = useLoaderData<typeof loader>();
  return (
    <SearchableList
      title="Orders"
      resourceName={{ singular: "order", plural: "orders" }}
      page={page}
      empty={{
        heading: "No orders in Recur yet",
        text: "Orders appear here once the first sync has saved them.",
      }}
      search={{
        placeholder: "Search by order number, email or customer name",
        notFound: "Try another order number, email or name.",
        tooShort: tooShort ? minWord : null,
      }}
      sorts={SORTS}
      defaultSort="created"
      headings={[
        { title: "Order" },
        { title: "Date" },
        { title: "Customer" },
        { title: "Payment" },
        { title: "Fulfillment" },
        { title: "Total", alignment: "end" },
      ]}
    >
      {page.rows.map((order, index) => (
        <IndexTable.Row id={order.id} key={order.id} position={index}>
          <IndexTable.Cell>
            <InlineStack gap="100" blockAlign="center" wrap={false}>
              <Text as="span" fontWeight="semibold">
                {order.name ?? order.id}
              </Text>
              {order.cancelledAt ? <Badge tone="warning">Cancelled</Badge> : null}
              {order.test ? <Badge>Test</Badge> : null}
            </InlineStack>
          </IndexTable.Cell>
          <IndexTable.Cell>{formatTime(order.createdAt)}</IndexTable.Cell>
          <IndexTable.Cell>
            {order.customerId ? (
              <Link url={`/app/customers/${order.customerId}`} removeUnderline>
                {order.customerName ?? order.email ?? `Customer ${order.customerId}`}
              </Link>
            ) : (
              <Text as="span" tone="subdued">
                {order.email ? `${order.email} (guest)` : "Guest"}
              </Text>
            )}
          </IndexTable.Cell>
          <IndexTable.Cell>{humanize(order.financialStatus)}</IndexTable.Cell>
          <IndexTable.Cell>{humanize(order.fulfillmentStatus)}</IndexTable.Cell>
          <NumericCell>{formatMoney(order.totalPrice, order.currencyCode)}</NumericCell>
        </IndexTable.Row>
      ))}
    </SearchableList>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Orders" backUrl="/app" />;
}
