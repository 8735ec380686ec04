/**
 * /app/segments/:segment: the customers of one RFM segment (docs/rfm.md), with the customer list's
 * search and sorts plus money spent and days since the last order; keyset pages. An unknown
 * segment is a 404; only the session's shop's customers are listed.
 */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { IndexTable } from "@shopify/polaris";
import { CustomerCells, CustomerList, customerSorts } from "../components/CustomerList.tsx";
import { formatCount, formatMoney, humanize } from "../components/format.ts";
import { NumericCell } from "../components/NumericCell.tsx";
import { RouteError } from "../components/RouteError.tsx";
import type { SortChoice } from "../components/SearchAndSort.tsx";
import { pool } from "../db.server.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { notFound, parseSearch } from "../lib/admin/http.server.ts";
import { MIN_WORD, searchTooShort } from "../lib/admin/search.server.ts";
import {
  listSegmentCustomers,
  parseSegment,
  segmentCustomerListSchema,
} from "../lib/admin/segment-customers.server.ts";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const segment = parseSegment(params.segment);
  if (!segment) throw notFound(`There is no segment ${params.segment ?? ""}.`);
  const input = parseSearch(request, segmentCustomerListSchema);
  return json({
    segment,
    page: await listSegmentCustomers(pool, shop.id, segment, input),
    tooShort: searchTooShort(input.q),
    minWord: MIN_WORD,
  });
};

const SORTS: SortChoice[] = [
  { label: "Money spent, highest", sort: "monetary", direction: "desc" },
  { label: "Money spent, lowest", sort: "monetary", direction: "asc" },
  { label: "Last order, most recent", sort: "recency", direction: "asc" },
  { label: "Last order, longest ago", sort: "recency", direction: "desc" },
  ...customerSorts("Amount spent (Shopify)"),
];

const score = (value: number | null) => (value === null ? "—" : String(value));

export default function SegmentCustomers() {
  const { segment, page, tooShort, minWord } = useLoaderData<typeof loader>();
  const title = humanize(segment);
  return (
    <CustomerList
      title={title}
      subtitle="Customers in this segment, as the last scoring placed them"
      backAction={{ content: "Segments", url: "/app/segments" }}
      page={page}
      empty={{
        heading: `No customers are ${title.toLowerCase()}`,
        text: "Customers appear here when their recency, frequency and money spent place them in this segment.",
      }}
      tooShort={tooShort}
      minWord={minWord}
      sorts={SORTS}
      defaultSort="monetary"
      columns={[
        { title: "Days since last order", alignment: "end" },
        { title: "Orders", alignment: "end" },
        { title: "Money spent", alignment: "end" },
        { title: "R · F · M" },
      ]}
    >
      {page.rows.map((customer, index) => (
        <IndexTable.Row id={customer.id} key={customer.id} position={index}>
          <CustomerCells customer={customer} />
          <NumericCell>{formatCount(customer.recencyDays)}</NumericCell>
          <NumericCell>{formatCount(customer.frequency)}</NumericCell>
          <NumericCell>{formatMoney(customer.monetary, customer.currencyCode)}</NumericCell>
          <IndexTable.Cell>
            {`${score(customer.r)} · ${score(customer.f)} · ${score(customer.m)}`}
          </IndexTable.Cell>
        </IndexTable.Row>
      ))}
    </CustomerList>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Segment" backUrl="/app/segments" />;
}
