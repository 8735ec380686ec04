/** /app/orders: the orders Recur holds for the shop; search, sort, pages. */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useSearchParams } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Badge,
  BlockStack,
  Card,
  EmptySearchResult,
  EmptyState,
  IndexTable,
  InlineStack,
  Link,
  Page,
  Text,
} from "@shopify/polaris";
import { EMPTY_ILLUSTRATION } from "../components/empty-illustration.ts";
import { formatMoney, formatTime, humanize } from "../components/format.ts";
import { useKeysetPagination, useListLoading } from "../components/list.tsx";
import { RouteError } from "../components/RouteError.tsx";
import { SearchAndSort, type SortChoice } from "../components/SearchAndSort.tsx";
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
  const [params] = useSearchParams();
  const pagination = useKeysetPagination(page);
  const loading = useListLoading();
  const searching = Boolean(params.get("q"));
  const empty = page.rows.length === 0 && !pagination.hasPrevious;
  return (
    <Page title="Orders" backAction={{ content: "Overview", url: "/app" }}>
      <TitleBar title="Orders" />
      {empty && !searching ? (
        <Card>
          <EmptyState heading="No orders in Recur yet" image={EMPTY_ILLUSTRATION}>
            <p>Orders appear here once the first sync has saved them.</p>
          </EmptyState>
        </Card>
      ) : (
        <BlockStack gap="400">
          <Card>
            <SearchAndSort
              hint={
                tooShort ? `Type a word of at least ${minWord} characters to search.` : undefined
              }
              placeholder="Search by order number, email or customer name"
              sorts={SORTS}
              defaultSort="created"
            />
          </Card>
          <Card padding="0">
            <IndexTable
              resourceName={{ singular: "order", plural: "orders" }}
              itemCount={page.rows.length}
              selectable={false}
              loading={loading}
              pagination={pagination}
              emptyState={
                <EmptySearchResult
                  title="No orders found"
                  description="Try another order number, email or name."
                  withIllustration
                />
              }
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
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {formatMoney(order.totalPrice, order.currencyCode)}
                    </Text>
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </Card>
        </BlockStack>
      )}
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Orders" backUrl="/app" />;
}
