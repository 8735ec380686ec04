/** A list's search box and sort choice, kept in the query string. */
import { useSearchParams } from "@remix-run/react";
import { Icon, InlineStack, Select, TextField } from "@shopify/polaris";
import { SearchIcon } from "@shopify/polaris-icons";
import { useEffect, useState } from "react";
import { useSetFilters } from "./list.tsx";

export interface SortChoice {
  label: string;
  sort: string;
  direction: "asc" | "desc";
}

export function SearchAndSort({
  placeholder,
  sorts,
  defaultSort,
  hint,
}: {
  placeholder: string;
  sorts: SortChoice[];
  defaultSort: string;
  /** Why the search was not run (too short). */
  hint?: string;
}) {
  const [params] = useSearchParams();
  const setFilters = useSetFilters();
  const current = params.get("q") ?? "";
  const [query, setQuery] = useState(current);
  // The query string changed from outside (back button, a link): show what it says.
  useEffect(() => setQuery(current), [current]);
  // Search as the merchant types, once they pause.
  useEffect(() => {
    if (query.trim() === current.trim()) return;
    const timer = setTimeout(() => setFilters({ q: query.trim() }), 350);
    return () => clearTimeout(timer);
  }, [query, current, setFilters]);
  const sortValue = `${params.get("sort") ?? defaultSort}:${params.get("direction") ?? "desc"}`;
  return (
    <InlineStack gap="400" blockAlign="end" wrap={false}>
      <div style={{ flex: 1 }}>
        <TextField
          label="Search"
          labelHidden
          placeholder={placeholder}
          value={query}
          onChange={setQuery}
          prefix={<Icon source={SearchIcon} />}
          autoComplete="off"
          clearButton
          onClearButtonClick={() => setQuery("")}
          helpText={hint}
        />
      </div>
      <Select
        label="Sort by"
        labelInline
        options={sorts.map((choice) => ({
          label: choice.label,
          value: `${choice.sort}:${choice.direction}`,
        }))}
        value={sortValue}
        onChange={(value) => {
          const [sort, direction] = value.split(":");
          setFilters({ sort, direction });
        }}
      />
    </InlineStack>
  );
}
