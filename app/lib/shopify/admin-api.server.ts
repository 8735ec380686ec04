/**
 * Recur's one way to call the Admin GraphQL API from jobs: through the shop's offline session
 * (shopify-app-remix's `unauthenticated.admin`), backing off when Shopify answers THROTTLED (an
 * HTTP 200 that Shopify's client does not retry), retrying transient network and server errors,
 * and logging each call's cost.
 */
import {
  GraphqlQueryError,
  HttpInternalError,
  HttpMaxRetriesError,
  HttpRequestError,
  HttpThrottlingError,
} from "@shopify/shopify-api";
import { logger } from "../../logger.server.ts";
import { offlineTokens, unauthenticated } from "../../shopify.server.ts";
import { ensureFreshOfflineToken } from "./offline-token.server.ts";

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface QueryCost {
  requestedQueryCost?: number;
  actualQueryCost?: number | null;
  throttleStatus?: ThrottleStatus;
}

export class AdminApiError extends Error {
  override name = "AdminApiError";
}

export interface AdminApi {
  shop: string;
  /** Runs a GraphQL operation and returns its `data`. */
  request<T>(operation: string, variables?: Record<string, unknown>): Promise<T>;
}

const MAX_ATTEMPTS = 6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds until the bucket holds the points a call asked for, from Shopify's own figures. */
export function throttleDelayMs(cost: QueryCost | undefined, attempt: number): number {
  const status = cost?.throttleStatus;
  if (!status || status.restoreRate <= 0) return Math.min(1000 * 2 ** attempt, 30_000);
  const missing =
    (cost.requestedQueryCost ?? status.maximumAvailable / 10) - status.currentlyAvailable;
  return Math.max(250, Math.ceil((Math.max(missing, 0) / status.restoreRate) * 1000) + 100);
}

function isThrottled(error: GraphqlQueryError): boolean {
  const errors = (
    error.body as { errors?: { graphQLErrors?: { extensions?: { code?: string } }[] } }
  )?.errors?.graphQLErrors;
  return Boolean(errors?.some((item) => item.extensions?.code === "THROTTLED"));
}

function isTransient(error: unknown): boolean {
  return (
    error instanceof HttpRequestError ||
    error instanceof HttpInternalError ||
    error instanceof HttpThrottlingError ||
    error instanceof HttpMaxRetriesError ||
    (error instanceof TypeError && /fetch failed/i.test(error.message))
  );
}

/**
 * The shop's Admin API. An offline token about to expire is refreshed first, once across processes
 * (offline-token.server.ts); a refresh Shopify refuses is a TokenRefreshError saying why.
 */
export async function adminApiFor(shop: string): Promise<AdminApi> {
  await ensureFreshOfflineToken(shop, offlineTokens);
  const { admin } = await unauthenticated.admin(shop).catch((error: unknown) => {
    // shopify-app-remix throws a bare Response when its own refresh fails.
    if (error instanceof Response) {
      throw new AdminApiError(
        `Could not get an access token for ${shop}: shopify-app-remix answered HTTP ${error.status}`,
      );
    }
    throw error;
  });
  const log = logger.child({ shop });
  return {
    shop,
    async request<T>(operation: string, variables?: Record<string, unknown>): Promise<T> {
      const name = /(?:query|mutation)\s+(\w+)/.exec(operation)?.[1] ?? "operation";
      for (let attempt = 1; ; attempt++) {
        try {
          const response = await admin.graphql(operation, { variables });
          const body = (await response.json()) as { data: T; extensions?: { cost?: QueryCost } };
          log.debug({ operation: name, cost: body.extensions?.cost }, "admin api call");
          return body.data;
        } catch (error) {
          if (attempt >= MAX_ATTEMPTS) throw error;
          if (error instanceof GraphqlQueryError) {
            if (!isThrottled(error)) {
              throw new AdminApiError(`${name} failed: ${error.message}`, { cause: error });
            }
            const cost = (error.body as { extensions?: { cost?: QueryCost } })?.extensions?.cost;
            const delay = throttleDelayMs(cost, attempt);
            log.info({ operation: name, cost, delayMs: delay }, "throttled by Shopify; waiting");
            await sleep(delay);
            continue;
          }
          if (!isTransient(error)) throw error;
          const delay = Math.min(500 * 2 ** attempt, 15_000);
          log.warn(
            { operation: name, err: error, delayMs: delay },
            "admin api call failed; retrying",
          );
          await sleep(delay);
        }
      }
    },
  };
}
