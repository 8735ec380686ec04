import type { LoaderFunctionArgs } from "@remix-run/node";
import { allowStandInAdminFrame } from "../lib/shopify/standin-seam.server.ts";
import { authenticate } from "../shopify.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  try {
    await authenticate.admin(request);
  } catch (thrown) {
    // The library answers /auth/session-token (the bounce page) and /auth/exit-iframe with pages of
    // its own, thrown as Responses that never pass through entry.server: give them the same frame
    // policy as every other page.
    if (thrown instanceof Response) allowStandInAdminFrame(thrown.headers);
    throw thrown;
  }
  return null;
};
