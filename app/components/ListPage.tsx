/**
 * The scaffold every admin list page shares (sync history, deliveries, privacy requests, and through
 * SearchableList the customers, orders and a segment's customers): the page with its back arrow,
 * what the page says above the list, its filters, and an IndexTable with keyset pagination. Before
 * the list holds anything, and when nothing narrows it, the page shows its empty state alone.
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

export function ListPage(props: ListPageProps) {
  const pagination = useKeysetPagination(props.page);
  const loading = useListLoading();
  const empty = props.page.rows.length === 0 && !pagination.hasPrevious && !props.filtered?.active;
  return (
    <Page
      title={props.title}
      subtitle={props.subtitle}
      backAction={props.backAction ?? { content: "Overview", url: "/app" }}
    >
      <TitleBar title={props.title} />
      <BlockStack gap="400">
        {props.header}
        {empty ? (
          <Card>
            <EmptyState heading={props.empty.heading} image={EMPTY_ILLUSTRATION}>
              <p>{props.empty.text}</p>
            </EmptyState>
          </Card>
        ) : (
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
        )}
      </BlockStack>
    </Page>
  );
}
