/** /app/customers/:id: one customer as Recur holds them, and their orders. Another shop's is a 404. */
import { json, type LoaderFunctionArgs, type SerializeFrom } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Badge,
  BlockStack,
  Box,
  Card,
  DescriptionList,
  IndexTable,
  InlineStack,
  Layout,
  Page,
  Text,
} from "@shopify/polaris";
import { z } from "zod";
import {
  customerName,
  formatCount,
  formatMoney,
  formatTime,
  formatTimeExact,
  humanize,
  plural,
} from "../components/format.ts";
import { KeysetList } from "../components/ListPage.tsx";
import { NumericCell } from "../components/NumericCell.tsx";
import { RouteError } from "../components/RouteError.tsx";
import { pool } from "../db.server.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { findCustomerRfm } from "../lib/admin/customer-rfm.server.ts";
import {
  customerOrdersSchema,
  findCustomer,
  listCustomerOrders,
} from "../lib/admin/customers.server.ts";
import { notFound, parseSearch } from "../lib/admin/http.server.ts";
import { shopifyIdText } from "../lib/zod-fields.ts";

/** Shopify's customer ids are unsigned 64-bit integers (1 to 2^64 - 1). */
const params = z.object({ id: shopifyIdText });

export const loader = async ({ request, params: raw }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const parsed = params.safeParse(raw);
  const customer = parsed.success ? await findCustomer(pool, shop.id, parsed.data.id) : undefined;
  if (!customer) throw notFound(`This store has no customer ${raw.id ?? ""} in Recur.`);
  const input = parseSearch(request, customerOrdersSchema);
  const orders = await listCustomerOrders(pool, shop.id, customer.id, input);
  const rfm = await findCustomerRfm(pool, shop.id, customer.id);
  return json({ customer, orders, rfm });
};

export default function CustomerPage() {
  const { customer, orders, rfm } = useLoaderData<typeof loader>();
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
          <Box paddingBlockStart="400">
            <RfmCard rfm={rfm} currencyCode={customer.currencyCode} />
          </Box>
        </Layout.Section>
        <Layout.Section>
          <KeysetList
            resourceName={{ singular: "order", plural: "orders" }}
            page={orders}
            empty={{ heading: "No orders", text: "Recur holds no orders of this customer." }}
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
                <NumericCell>{order.lineItems}</NumericCell>
                <NumericCell>{formatMoney(order.totalPrice, order.currencyCode)}</NumericCell>
              </IndexTable.Row>
            ))}
          </KeysetList>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

/** The customer's RFM values, scores and their meaning, segment and moves (docs/rfm.md). */
function RfmCard({
  rfm,
  currencyCode,
}: {
  rfm: SerializeFrom<typeof loader>["rfm"];
  currencyCode: string | null;
}) {
  if (!rfm) {
    return (
      <Card>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            Segment
          </Text>
          <Text as="p" tone="subdued">
            Not scored yet: scores follow the store&apos;s next full sync.
          </Text>
        </BlockStack>
      </Card>
    );
  }
  const items = rfm.beats
    ? [
        {
          term: `Recency ${rfm.r}`,
          description: `Last order ${plural(rfm.recencyDays ?? 0, "day")} ago: more recent than ${percent(rfm.beats.recency)} of customers`,
        },
        {
          term: `Frequency ${rfm.f}`,
          description: `${plural(rfm.frequency ?? 0, "order")}: more than ${percent(rfm.beats.frequency)} of customers`,
        },
        {
          term: `Money ${rfm.m}`,
          description: `${formatMoney(rfm.monetary, currencyCode)} spent: more than ${percent(rfm.beats.monetary)} of customers`,
        },
        {
          term: "Placed by",
          description: `Recency ${rfm.r} × frequency and money ${rfm.fm} (the mean of ${rfm.f} and ${rfm.m}, rounded up)`,
        },
      ]
    : [{ term: "Orders", description: "No order that counts yet (a prospect)" }];
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between">
          <Text as="h2" variant="headingMd">
            Segment
          </Text>
          <Badge tone="info">{humanize(rfm.segment)}</Badge>
        </InlineStack>
        <DescriptionList items={items} />
        <Text as="p" variant="bodySm" tone="subdued">
          Computed {formatTime(rfm.asOf)} with rule set {rfm.ruleSet}.
        </Text>
        {rfm.history.length > 0 ? (
          <BlockStack gap="100">
            <Text as="h3" variant="headingSm">
              Moves
            </Text>
            {rfm.history.map((move) => (
              <Text as="p" key={`${move.changedAt}-${move.to}`} variant="bodySm">
                {formatTime(move.changedAt)}:{" "}
                {move.from ? `${humanize(move.from)} → ${humanize(move.to)}` : humanize(move.to)}
              </Text>
            ))}
          </BlockStack>
        ) : null}
      </BlockStack>
    </Card>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Customer" backUrl="/app/customers" />;
}
