/** /app/customers: the customers Recur holds for the shop; search, sort, pages. */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { IndexTable } from "@shopify/polaris";
import { CustomerCells, CustomerList, customerSorts } from "../components/CustomerList.tsx";
import { formatCount, formatMoney, formatTime, humanize } from "../components/format.ts";
import { NumericCell } from "../components/NumericCell.tsx";
import { RouteError } from "../components/RouteError.tsx";
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

export default function Customers() {
  const { page, tooShort, minWord } = useLoaderData<typeof loader>();
  return (
    <CustomerList
      title="Customers"
      page={page}
      empty={{
        heading: "No customers in Recur yet",
        text: "Customers appear here once the first sync has saved them.",
      }}
      tooShort={tooShort}
      minWord={minWord}
      sorts={customerSorts()}
      defaultSort="updated"
      columns={[
        { title: "State" },
        { title: "Orders", alignment: "end" },
        { title: "Amount spent", alignment: "end" },
        { title: "Created" },
        { title: "Updated" },
      ]}
    >
      {page.rows.map((customer, index) => (
        <IndexTable.Row id={customer.id} key={customer.id} position={index}>
          <CustomerCells customer={customer} />
          <IndexTable.Cell>{humanize(customer.state)}</IndexTable.Cell>
          <NumericCell>{formatCount(customer.numberOfOrders)}</NumericCell>
          <NumericCell>{formatMoney(customer.amountSpent, customer.currencyCode)}</NumericCell>
          <IndexTable.Cell>{formatTime(customer.createdAt)}</IndexTable.Cell>
          <IndexTable.Cell>{formatTime(customer.updatedAt)}</IndexTable.Cell>
        </IndexTable.Row>
      ))}
    </CustomerList>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Customers" backUrl="/app" />;
}
