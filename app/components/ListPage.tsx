/**
 * The scaffold every admin list shares (sync history, deliveries, privacy requests, through
 * SearchableList the customers, orders and a segment's customers, and a customer's orders): the page
 * with its back arrow, what the page says above the list, its filters, and an IndexTable with keyset
 * pagination. Before the list holds anything, and when nothing narrows it, the list is its empty
 * state alone.
 */
import { TitleBar } from "@shopify/app-bridge-react";
import {
  BlockStack,
  Card,
  EmptySearchResult,
  EmptyState,
  IndexTable,
  Page,
  type IndexTableProps,
} from "@shopify/polaris";
import type { ReactNode } from "react";
import { EMPTY_ILLUSTRATION } from "./empty-illustration.ts";
import { useKeysetPagination, useListLoading, type PageCursors } from "./list.tsx";

export interface ListPageProps {
  title: string;
  subtitle?: string;
  /** Where the page's back arrow leads; the overview by default. */
  backAction?: { content: string; url: string };
  resourceName: { singular: string; plural: string };
  page: PageCursors & { rows: unknown[] };
  /** The empty state: what the list will hold, and when. */
  empty: { heading: string; text: ReactNode };
  /** Above the filters: what the page is for, an action's error banner. */
  header?: ReactNode;
  /** The filters' card content (search and sort, selects); none when the list has no filters. */
  filters?: ReactNode;
  /**
   * Whether the filters narrow the list now: then an empty page is "none found" (with this text)
   * under the filters, not the empty state.
   */
  filtered?: { active: boolean; notFound: string };
  headings: IndexTableProps["headings"];
  /** Selection and bulk actions; a list without them is not selectable. */
  selection?: Pick<
    IndexTableProps,
    "selectedItemsCount" | "onSelectionChange" | "promotedBulkActions"
  >;
  /** The rows, as IndexTable.Row elements. */
  children: ReactNode;
}

export function ListPage({ title, subtitle, backAction, header, ...list }: ListPageProps) {
  return (
    <Page
      title={title}
      subtitle={subtitle}
      backAction={backAction ?? { content: "Overview", url: "/app" }}
    >
      <TitleBar title={title} />
      <BlockStack gap="400">
        {header}
        <KeysetList {...list} />
      </BlockStack>
    </Page>
  );
}

export type KeysetListProps = Omit<ListPageProps, "title" | "subtitle" | "backAction" | "header">;

/**
 * The list itself, on a list page or in another page (a customer's orders): the empty state, or
 * the filters' card and the IndexTable with keyset pagination.
 */
export function KeysetList(props: KeysetListProps) {
  const pagination = useKeysetPagination(props.page);
  const loading = useListLoading();
  const empty = props.page.rows.length === 0 && !pagination.hasPrevious && !props.filtered?.active;
  if (empty) {
    return (
      <Card>
        <EmptyState heading={props.empty.heading} image={EMPTY_ILLUSTRATION}>
          <p>{props.empty.text}</p>
        </EmptyState>
      </Card>
    );
  }
  return (
    <>
      {props.filters ? <Card>{props.filters}</Card> : null}
      <Card padding="0">
        <IndexTable
          resourceName={props.resourceName}
          itemCount={props.page.rows.length}
          {...(props.selection ?? { selectable: false })}
          loading={loading}
          pagination={pagination}
          emptyState={
            props.filtered ? (
              <EmptySearchResult
                title={`No ${props.resourceName.plural} found`}
                description={props.filtered.notFound}
                withIllustration
              />
            ) : undefined
          }
          headings={props.headings}
        >
          {props.children}
        </IndexTable>
      </Card>
    </>
  );
}
