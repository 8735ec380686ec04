/**
 * A page of a searchable, sortable list (customers, orders): the empty state before the first sync,
 * the search and sort card, and an IndexTable with keyset pagination. The route gives its rows.
 */
import { useSearchParams } from "@remix-run/react";
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
import { SearchAndSort, type SortChoice } from "./SearchAndSort.tsx";

export interface SearchableListProps {
  title: string;
  /** Where the page's back arrow leads; the overview by default. */
  backAction?: { content: string; url: string };
  subtitle?: string;
  resourceName: { singular: string; plural: string };
  page: PageCursors & { rows: unknown[] };
  /** The empty state's words before the first sync saved anything. */
  empty: { heading: string; text: string };
  search: {
    placeholder: string;
    /** What to try when a search finds nothing. */
    notFound: string;
    /** The search text has no word long enough: at least this many characters. */
    tooShort: number | null;
  };
  sorts: SortChoice[];
  defaultSort: string;
  headings: IndexTableProps["headings"];
  /** The rows, as IndexTable.Row elements. */
  children: ReactNode;
}

export function SearchableList(props: SearchableListProps) {
  const [params] = useSearchParams();
  const pagination = useKeysetPagination(props.page);
  const loading = useListLoading();
  const searching = Boolean(params.get("q"));
  const empty = props.page.rows.length === 0 && !pagination.hasPrevious;
  const { plural } = props.resourceName;
  return (
    <Page
      title={props.title}
      subtitle={props.subtitle}
      backAction={props.backAction ?? { content: "Overview", url: "/app" }}
    >
      <TitleBar title={props.title} />
      {empty && !searching ? (
        <Card>
          <EmptyState heading={props.empty.heading} image={EMPTY_ILLUSTRATION}>
            <p>{props.empty.text}</p>
          </EmptyState>
        </Card>
      ) : (
        <BlockStack gap="400">
          <Card>
            <SearchAndSort
              hint={
                props.search.tooShort
                  ? `Type a word of at least ${props.search.tooShort} characters to search.`
                  : undefined
              }
              placeholder={props.search.placeholder}
              sorts={props.sorts}
              defaultSort={props.defaultSort}
            />
          </Card>
          <Card padding="0">
            <IndexTable
              resourceName={props.resourceName}
              itemCount={props.page.rows.length}
              selectable={false}
              loading={loading}
              pagination={pagination}
              emptyState={
                <EmptySearchResult
                  title={`No ${plural} found`}
                  description={props.search.notFound}
                  withIllustration
                />
              }
              headings={props.headings}
            >
              {props.children}
            </IndexTable>
          </Card>
        </BlockStack>
      )}
    </Page>
  );
}
