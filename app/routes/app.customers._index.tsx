/** /app/customers: the customers Recur holds for the shop; search, sort, pages. */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { IndexTable, Link, Text } from "@shopify/polaris";
import {
  customerName,
  formatCount,
  formatMoney,
  formatTime,
  humanize,
} from "../components/format.ts";
import { RouteError } from "../components/RouteError.tsx";
import type { SortChoice } from "../components/SearchAndSort.tsx";
import { SearchableList } from "../components/SearchableList.tsx";
import { pool } from "../db.server.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { customerListSchema, listCustomers } from "../lib/admin/customers.server.ts";
import { parseSearch } from "../lib/admin/http.server.ts";
import { MIN_WORD, searchTooShort } from "../lib/admin/search.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const input = parseSearch(request, customerListSchema);
  return json({
    page: await listCustomers(pool, shop.id, input),
    tooShort: searchTooShort(input.q),
    minWord: MIN_WORD,
  });
};

const SORTS: SortChoice[] = [
  { label: "Last updated", sort: "updated", direction: "desc" },
  { label: "Least recently updated", sort: "updated", direction: "asc" },
  { label: "Newest", sort: "created", direction: "desc" },
  { label: "Oldest", sort: "created", direction: "asc" },
  { label: "Last name A–Z", sort: "last_name", direction: "asc" },
  { label: "Last name Z–A", sort: "last_name", direction: "desc" },
  { label: "Amount spent, highest", sort: "amount_spent", direction: "desc" },
  { label: "Amount spent, lowest", sort: "amount_spent", direction: "asc" },
];

export default function Customers() {
  const { page, tooShort, minWord } = useLoaderData<typeof loader>();
  return (
    <SearchableList
      title="Customers"
      resourceName={{ singular: "customer", plural: "customers" }}
      page={page}
      empty={{
        heading: "No customers in Recur yet",
        text: "Customers appear here once the first sync has saved them.",
      }}
      search={{
        placeholder: "Search by name or email",
        notFound: "Try another name or email.",
        tooShort: tooShort ? minWord : null,
      }}
      sorts={SORTS}
      defaultSort="updated"
      headings={[
        { title: "Customer" },
        { title: "Email" },
        { title: "State" },
        { title: "Orders", alignment: "end" },
        { title: "Amount spent", alignment: "end" },
        { title: "Created" },
        { title: "Updated" },
      ]}
    >
      {page.rows.map((customer, index) => (
        <IndexTable.Row id={customer.id} key={customer.id} position={index}>
          <IndexTable.Cell>
            <Link url={`/app/customers/${customer.id}`} dataPrimaryLink removeUnderline>
              <Text as="span" fontWeight="semibold">
                {customerName(customer.firstName, customer.lastName) ?? "No name"}
              </Text>
            </Link>
          </IndexTable.Cell>
          <IndexTable.Cell>{customer.email ?? "—"}</IndexTable.Cell>
          <IndexTable.Cell>{humanize(customer.state)}</IndexTable.Cell>
          <IndexTable.Cell>
            <Text as="span" alignment="end" numeric>
              {formatCount(customer.numberOfOrders)}
            </Text>
          </IndexTable.Cell>
          <IndexTable.Cell>
            <Text as="span" alignment="end" numeric>
              {formatMoney(customer.amountSpent, customer.currencyCode)}
            </Text>
          </IndexTable.Cell>
          <IndexTable.Cell>{formatTime(customer.createdAt)}</IndexTable.Cell>
          <IndexTable.Cell>{formatTime(customer.updatedAt)}</IndexTable.Cell>
        </IndexTable.Row>
      ))}
    </SearchableList>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Customers" backUrl="/app" />;
}
