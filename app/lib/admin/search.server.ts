/**
 * Search boxes: what the merchant typed, as ILIKE patterns the trigram indexes can serve.
 *
 * A trigram index needs words of three characters or more; a search made only of shorter words is
 * not run (the page asks for more), since it could only be answered by reading every row.
 *
 * One word: the planner picks between the trigram index (rare words) and walking the sort's index
 * while filtering (common words), and picks well. Several words: it multiplies their selectivities
 * as if independent, so "grace hopper" looks common and it walks the sort's index, reading the whole
 * shop when nothing matches. Several words therefore go through a MATERIALIZED CTE of the matching
 * ids, found with the trigram index first.
 */
export const MIN_WORD = 3;

export interface Search {
  words: string[];
  /** Several words: materialize the matches before sorting. */
  materialize: boolean;
}

/** Up to five words, or nothing when no word is long enough to search with. */
export function parseSearchText(text: string | undefined): Search | null {
  const words = (text ?? "").trim().split(/\s+/).filter(Boolean).slice(0, 5);
  if (!words.some((word) => word.length >= MIN_WORD)) return null;
  return { words, materialize: words.length > 1 };
}

/** Whether the text is a search too short to run (the page says so). */
export function searchTooShort(text: string | undefined): boolean {
  return Boolean(text?.trim()) && parseSearchText(text) === null;
}

/** `%word%`, with LIKE's own wildcards in the word taken literally. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
