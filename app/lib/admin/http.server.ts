/**
 * What the admin's loaders and actions answer when something is wrong: a 404 for what this shop
 * does not have, a 400 naming the input that is wrong. Pages show the `message`/`error` text.
 */
import { json } from "@remix-run/node";
import type { z } from "zod";
import { describeIssues } from "../zod-issues.ts";
import type { ActionResult } from "./action-result.ts";

export type { ActionResult };

/** The body a loader throws for its error boundary. */
export interface ErrorBody {
  message: string;
}

/** A thrown 404: the page shows the message in an error banner. */
export function notFound(message: string): Response {
  return json<ErrorBody>({ message }, { status: 404 });
}

/** A thrown 400 for a loader whose query string is wrong. */
export function badRequest(message: string): Response {
  return json<ErrorBody>({ message }, { status: 400 });
}

export function actionError(status: number, error: string, details?: string[]) {
  return json<ActionResult>({ ok: false, error, ...(details ? { details } : {}) }, { status });
}

export function actionSuccess(message: string, details?: string[]) {
  return json<ActionResult>({ ok: true, message, ...(details ? { details } : {}) });
}

/**
 * A form body as an object: a field sent once is a string, a field sent more than once (ids of a
 * bulk action) is an array.
 */
async function formFields(request: Request): Promise<Record<string, string | string[]> | null> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return null;
  }
  const fields: Record<string, string | string[]> = {};
  for (const [key, value] of form) {
    if (typeof value !== "string") continue;
    // Postgres text cannot hold NUL.
    if (value.includes("\u0000")) return null;
    const existing = fields[key];
    fields[key] =
      existing === undefined
        ? value
        : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return fields;
}

/** Parses an action's form with its schema; a 400 answer saying what is wrong otherwise. */
export async function parseForm<S extends z.ZodType>(
  request: Request,
  schema: S,
): Promise<{ ok: true; data: z.output<S> } | { ok: false; response: Response }> {
  const fields = await formFields(request);
  if (!fields) {
    return {
      ok: false,
      response: actionError(400, "The request must be a form submission, without NUL characters."),
    };
  }
  const parsed = schema.safeParse(fields);
  if (!parsed.success) {
    return { ok: false, response: actionError(400, describeIssues(parsed.error)) };
  }
  return { ok: true, data: parsed.data };
}

/** Parses a loader's query string with its schema, or throws a 400. */
export function parseSearch<S extends z.ZodType>(request: Request, schema: S): z.output<S> {
  const params = new URL(request.url).searchParams;
  const fields: Record<string, string> = {};
  for (const [key, value] of params) {
    // Postgres text cannot hold NUL: say so rather than fail in the query.
    if (value.includes("\u0000")) throw badRequest(`${key}: must not contain a NUL character`);
    if (value !== "") fields[key] = value;
  }
  const parsed = schema.safeParse(fields);
  if (!parsed.success) throw badRequest(describeIssues(parsed.error));
  return parsed.data;
}
