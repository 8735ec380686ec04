/**
 * Zod's complaints in one line, the one way Recur words them wherever a value fails its schema (an
 * admin form or query string, a webhook payload, a job's payload, a bulk result's line, the
 * environment): each issue as "path: message" (the path in zod's dot notation, `line_items[0].price`),
 * the first few only, joined by "; ".
 */
import { z } from "zod";

/** Where an issue is: its path, or `root` for the value itself (nothing: no name for it). */
export function issuePath(issue: z.core.$ZodIssue, root: string): string;
export function issuePath(issue: z.core.$ZodIssue, root?: string): string | undefined;
export function issuePath(issue: z.core.$ZodIssue, root?: string): string | undefined {
  return z.core.toDotPath(issue.path) || root;
}

export function describeIssues(
  error: z.ZodError,
  {
    root,
    limit = 3,
  }: {
    /** What an issue about the whole value calls it ("payload", "line"); its message alone if unset. */
    root?: string;
    /** How many issues to name at most. */
    limit?: number;
  } = {},
): string {
  return error.issues
    .slice(0, limit)
    .map((issue) => {
      const path = issuePath(issue, root);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}
