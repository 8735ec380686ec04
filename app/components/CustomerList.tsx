/**
 * What the customer lists share (the customers page and a segment's customers): the page, with the
 * customers' search words, the customer sorts, and each row's first cells (the customer's name,
 * opening the customer, and email).
 */
import { IndexTable, Link, Text, type IndexTableProps } from "@shopify/polaris";
import { customerName } from "./format.ts";
import type { SortChoice } from "./SearchAndSort.tsx";
import { SearchableList, type SearchableListProps } from "./SearchableList.tsx";

/** The sorts of every customer list; `amountSpent` names Shopify's amount spent. */
export function customerSorts(amountSpent = "Amount spent"): SortChoice[] {
  return [
    { label: "Last updated", sort: "updated", direction: "desc" },
    { label: "Least recently updated", sort: "updated", direction: "asc" },
    { label: "Newest", sort: "created", direction: "desc" },
    { label: "Oldest", sort: "created", direction: "asc" },
    { label: "Last name A–Z", sort: "last_name", direction: "asc" },
    { label: "Last name Z–A", sort: "last_name", direction: "desc" },
    { label: `${amountSpent}, highest`, sort: "amount_spent", direction: "desc" },
    { label: `${amountSpent}, lowest`, sort: "amount_spent", direction: "asc" },
  ];
}

export function CustomerList({
  tooShort,
  minWord,
  columns,
  ...list
}: Omit<SearchableListProps, "resourceName" | "search" | "headings"> & {
  /** The loader's answer: the search has no word of `minWord` characters. */
  tooShort: boolean;
  minWord: number;
  /** The headings of the columns after the customer's name and email (CustomerCells). */
  columns: IndexTableProps["headings"][number][];
}) {
  return (
    <SearchableList
      {...list}
      headings={[{ title: "Customer" }, { title: "Email" }, ...columns]}
      resourceName={{ singular: "customer", plural: "customers" }}
      search={{
        placeholder: "Search by name or email",
        notFound: "Try another name or email.",
        tooShort: tooShort ? minWord : null,
      }}
    />
  );
}

/** A customer row's first cells: the name (opening the customer) and the email. */
export function CustomerCells({
  customer,
}: {
  customer: { id: string; firstName: string | null; lastName: string | null; email: string | null };
}) {
  return (
    <>
      <IndexTable.Cell>
        <Link url={`/app/customers/${customer.id}`} dataPrimaryLink removeUnderline>
          <Text as="span" fontWeight="semibold">
            {customerName(customer.firstName, customer.lastName) ?? "No name"}
          </Text>
        </Link>
      </IndexTable.Cell>
      <IndexTable.Cell>{customer.email ?? "—"}</IndexTable.Cell>
    </>
  );
}
