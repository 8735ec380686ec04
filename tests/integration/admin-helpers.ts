/**
 * Calling the admin's route modules as Remix does, with a real Request that carries a session token
 * the Shopify stand-in signed (what App Bridge adds to the admin's fetches).
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { standIn } from "../support/standin.ts";

type Params = Record<string, string>;
type Loader = (args: LoaderFunctionArgs) => Promise<Response> | Response;
type Action = (args: ActionFunctionArgs) => Promise<Response> | Response;

const APP_URL = () => process.env.SHOPIFY_APP_URL ?? "http://127.0.0.1:3000";

/** A data request of the embedded admin: the shop's session token as a bearer token. */
export async function adminRequest(
  shop: string,
  path: string,
  init: RequestInit = {},
): Promise<Request> {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${await standIn().sessionToken(shop)}`);
  return new Request(new URL(path, APP_URL()), { ...init, headers });
}

/** A form POST, as Remix's fetcher.submit sends it. */
export async function formRequest(
  shop: string,
  path: string,
  fields: [string, string][] | Record<string, string>,
): Promise<Request> {
  return adminRequest(shop, path, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Runs a loader or action; a thrown Response (404, 400, a redirect) is returned like any other. */
async function settle(run: () => Promise<Response> | Response): Promise<Response> {
  try {
    return await run();
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

export function callLoader(module: { loader: Loader }, request: Request, params: Params = {}) {
  return settle(() => module.loader({ request, params, context: {} }));
}

export function callAction(module: { action: Action }, request: Request, params: Params = {}) {
  return settle(() => module.action({ request, params, context: {} }));
}

/** GETs a page's loader for a shop and returns the status and the JSON body. */
export async function load<T = Record<string, unknown>>(
  module: { loader: Loader },
  shop: string,
  path: string,
  params: Params = {},
): Promise<{ status: number; body: T }> {
  const response = await callLoader(module, await adminRequest(shop, path), params);
  return { status: response.status, body: (await response.json()) as T };
}

/** POSTs a form to a page's action for a shop and returns the status and the JSON body. */
export async function act<T = Record<string, unknown>>(
  module: { action: Action },
  shop: string,
  path: string,
  fields: [string, string][] | Record<string, string>,
  params: Params = {},
): Promise<{ status: number; body: T }> {
  const response = await callAction(module, await formRequest(shop, path, fields), params);
  return { status: response.status, body: (await response.json()) as T };
}

export interface PageBody<Row> {
  page: { rows: Row[]; previous: string | null; next: string | null };
}
