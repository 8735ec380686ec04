/** Pieces every admin list shares: keyset pagination links, the loading state, the query string. */
import { useLocation, useNavigate, useNavigation, useSearchParams } from "@remix-run/react";
import { useCallback } from "react";

export interface PageCursors {
  previous: string | null;
  next: string | null;
}

/** IndexTable's `pagination` prop for a keyset page: the same filters, another cursor. */
export function useKeysetPagination(page: PageCursors) {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const go = (key: "after" | "before", cursor: string) => {
    const next = new URLSearchParams(params);
    next.delete("after");
    next.delete("before");
    next.set(key, cursor);
    navigate(`?${next.toString()}`);
  };
  return {
    hasPrevious: page.previous !== null,
    hasNext: page.next !== null,
    onPrevious: () => page.previous && go("before", page.previous),
    onNext: () => page.next && go("after", page.next),
  };
}

/** Changes some query parameters (a filter, the sort) and goes back to the first page. */
export function useSetFilters() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  return useCallback(
    (changes: Record<string, string | undefined>) => {
      const next = new URLSearchParams(params);
      next.delete("after");
      next.delete("before");
      for (const [key, value] of Object.entries(changes)) {
        if (value) next.set(key, value);
        else next.delete(key);
      }
      const query = next.toString();
      navigate(query ? `?${query}` : "?", { replace: true });
    },
    [params, navigate],
  );
}

/** Whether this page is loading new data for itself (another page of the list, other filters). */
export function useListLoading(): boolean {
  const navigation = useNavigation();
  const location = useLocation();
  return navigation.state === "loading" && navigation.location.pathname === location.pathname;
}
