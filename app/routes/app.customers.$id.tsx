/** /app/customers/:id: one customer as Recur holds them, and their orders. Another shop's is a 404. */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Badge,
  BlockStack,
  Card,
  DescriptionList,
  EmptyState,
  IndexTable,
  InlineStack,
  Layout,
  Page,
  Text,
} from "@shopify/polaris";
import { z } from "zod";
import { EMPTY_ILLUSTRATION } from "../components/empty-illustration.ts";
import {
  customerName,
  formatCount,
  formatMoney,
  formatTime,
  formatTimeExact,
  humanize,
} from "../components/format.ts";
import { useKeysetPagination, useListLoading } from "../components/list.tsx";
import { RouteError } from "../components/RouteError.tsx";
import { pool } from "../db.server.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import {
  customerOrdersSchema,
  findCustomer,
  listCustomerOrders,
} from "../lib/admin/customers.server.ts";
import { notFound, parseSearch } from "../lib/admin/http.server.ts";
import { isShopifyId } from "../lib/store/records.ts";

/** Shopify's customer ids are unsigned 64-bit integers (1 to 2^64 - 1). */
const params = z.object({ id: z.string().refine(isShopifyId) });

export const loader = async ({ request, params: raw }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const parsed = params.safeParse(raw);
  const customer = parsed.success ? await findCustomer(pool, shop.id, parsed.data.id) : undefined;
  if (!customer) throw notFound(`This store has no customer ${raw.id ?? ""} in Recur.`);
  const input = parseSearch(request, customerOrdersSchema);
  const orders = await listCustomerOrders(pool, shop.id, customer.id, input);
  return json({ customer, orders });
};

export default function CustomerPage() {
  const { customer, orders } = useLoaderData<typeof loader>();
  const pagination = useKeysetPagination(orders);
  const loading = useListLoading();
  const name = customerName(customer.firstName, customer.lastName) ?? "No name";
  return (
    <Page
      title={name}
      subtitle={customer.email ?? undefined}
      titleMetadata={customer.redactedAt ? <Badge tone="warning">Redacted</Badge> : undefined}
      backAction={{ content: "Customers", url: "/app/customers" }}
    >
      <TitleBar title={name} />
      <Layout>
        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Customer
              </Text>
              <DescriptionList
                items={[
                  { term: "Shopify id", description: customer.id },
                  { term: "Email", description: customer.email ?? "—" },
                  { term: "Phone", description: customer.phone ?? "—" },
                  { term: "State", description: humanize(customer.state) },
                  {
                    term: "Email verified",
                    description:
                      customer.verifiedEmail === null ? "—" : customer.verifiedEmail ? "Yes" : "No",
                  },
                  { term: "Orders", description: formatCount(customer.numberOfOrders) },
                  {
                    term: "Amount spent",
                    description: formatMoney(customer.amountSpent, customer.currencyCode),
                  },
                  {
                    term: "Tags",
                    description: customer.tags.length ? (
                      <InlineStack gap="100">
                        {customer.tags.map((tag) => (
                          <Badge key={tag}>{tag}</Badge>
                        ))}
                      </InlineStack>
                    ) : (
                      "—"
                    ),
                  },
                  { term: "Created in Shopify", description: formatTimeExact(customer.createdAt) },
                  { term: "Updated in Shopify", description: formatTimeExact(customer.updatedAt) },
                  { term: "Saved in Recur", description: formatTimeExact(customer.syncedAt) },
                ]}
              />
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          {orders.rows.length === 0 && !pagination.hasPrevious ? (
            <Card>
              <EmptyState heading="No orders" image={EMPTY_ILLUSTRATION}>
                <p>Recur holds no orders of this customer.</p>
              </EmptyState>
            </Card>
          ) : (
            <Card padding="0">
              <IndexTable
                resourceName={{ singular: "order", plural: "orders" }}
                itemCount={orders.rows.length}
                selectable={false}
                loading={loading}
                pagination={pagination}
                headings={[
                  { title: "Order" },
                  { title: "Date" },
                  { title: "Payment" },
                  { title: "Fulfillment" },
                  { title: "Items", alignment: "end" },
                  { title: "Total", alignment: "end" },
                ]}
              >
                {orders.rows.map((order, index) => (
                  <IndexTable.Row id={order.id} key={order.id} position={index}>
                    <IndexTable.Cell>
                      <Text as="span" fontWeight="semibold">
                        {order.name ?? order.id}
                      </Text>{" "}
                      {order.cancelledAt ? <Badge tone="warning">Cancelled</Badge> : null}
                    </IndexTable.Cell>
                    <IndexTable.Cell>{formatTime(order.createdAt)}</IndexTable.Cell>
                    <IndexTable.Cell>{humanize(order.financialStatus)}</IndexTable.Cell>
                    <IndexTable.Cell>{humanize(order.fulfillmentStatus)}</IndexTable.Cell>
                    <IndexTable.Cell>
                      <Text as="span" alignment="end" numeric>
                        {order.lineItems}
                      </Text>
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <Text as="span" alignment="end" numeric>
                        {formatMoney(order.totalPrice, order.currencyCode)}
                      </Text>
                    </IndexTable.Cell>
                  </IndexTable.Row>
                ))}
              </IndexTable>
            </Card>
          )}
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Customer" backUrl="/app/customers" />;
}
