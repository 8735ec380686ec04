/**
 * A list page with a search box and a sort choice (customers, orders, a segment's customers): the
 * list scaffold (ListPage) with the search and sort card as its filters. The route gives its rows.
 */
import { useSearchParams } from "@remix-run/react";
import { ListPage, type ListPageProps } from "./ListPage.tsx";
import { SearchAndSort, type SortChoice } from "./SearchAndSort.tsx";

export interface SearchableListProps extends Omit<
  ListPageProps,
  "filters" | "filtered" | "selection" | "header"
> {
  search: {
    placeholder: string;
    /** What to try when a search finds nothing. */
    notFound: string;
    /** The search text has no word long enough: at least this many characters. */
    tooShort: number | null;
  };
  sorts: SortChoice[];
  defaultSort: string;
}

export function SearchableList({ search, sorts, defaultSort, ...list }: SearchableListProps) {
  const [params] = useSearchParams();
  return (
    <ListPage
      {...list}
      filters={
        <SearchAndSort
          hint={
            search.tooShort
              ? `Type a word of at least ${search.tooShort} characters to search.`
              : undefined
          }
          placeholder={search.placeholder}
          sorts={sorts}
          defaultSort={defaultSort}
        />
      }
      filtered={{ active: Boolean(params.get("q")), notFound: search.notFound }}
    />
  );
}
