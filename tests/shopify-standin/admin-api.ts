// The Admin API endpoints: POST /admin/api/{version}/graphql.json and POST /admin/oauth/access_token.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { GraphQLError, Kind, execute, parse, validate } from "graphql";
import type {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLSchema,
  OperationDefinitionNode,
} from "graphql";
import type { Auth } from "./auth.ts";
import {
  DEFAULT_USER,
  ID_TOKEN_TYPE,
  OAuthError,
  OFFLINE_TOKEN_TYPE,
  ONLINE_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
} from "./auth.ts";
import type { LeakyBucket } from "./cost.ts";
import { MAX_SINGLE_QUERY_COST, queryCost } from "./cost.ts";
import { formatGraphQLError } from "./graphql-errors.ts";
import { HttpError, readJson, readParams, sendJson } from "./http-util.ts";
import type { BulkService, RequestContext } from "./resolvers.ts";
import type { Shop } from "./shop.ts";

export interface ShopEntry {
  shop: Shop;
  bucket: LeakyBucket;
  scopes: string[];
}

export interface AdminApiDeps {
  schema: GraphQLSchema;
  auth: Auth;
  bulk: BulkService;
  shopFor(host: string): ShopEntry | undefined;
  /** Called when a token exchange installs the app on a shop. */
  onInstall(entry: ShopEntry): void;
}

const INVALID_TOKEN =
  "[API] Invalid API key or access token (unrecognized login or wrong password)";

export function validApiVersion(version: string): boolean {
  return /^\d{4}-(01|04|07|10)$/.test(version) || version === "unstable";
}

function cost(requested: number, actual: number | null, bucket: LeakyBucket) {
  return {
    requestedQueryCost: requested,
    actualQueryCost: actual,
    throttleStatus: bucket.status(),
  };
}

export async function handleGraphQL(
  req: IncomingMessage,
  res: ServerResponse,
  version: string,
  host: string,
  deps: AdminApiDeps,
): Promise<void> {
  const headers = { "X-Shopify-API-Version": version, "X-Request-Id": randomUUID() };
  if (!validApiVersion(version)) throw new HttpError(404, { errors: "Not Found" });
  const entry = deps.shopFor(host);
  if (!entry) throw new HttpError(404, { errors: "Not Found" });
  const tokenHeader = req.headers["x-shopify-access-token"];
  const token = Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader;
  const record = deps.auth.check(token, entry.shop.domain);
  if (!record) {
    sendJson(res, 401, { errors: INVALID_TOKEN }, headers);
    return;
  }
  const body = (await readJson(req)) as {
    query?: unknown;
    variables?: unknown;
    operationName?: unknown;
  };
  if (typeof body.query !== "string")
    throw new HttpError(400, { errors: { query: "Required parameter missing or invalid" } });
  const variables = (
    body.variables && typeof body.variables === "object" ? body.variables : {}
  ) as Record<string, unknown>;
  const operationName = typeof body.operationName === "string" ? body.operationName : undefined;

  let document: DocumentNode;
  try {
    document = parse(body.query);
  } catch (error) {
    const e = error instanceof GraphQLError ? error : new GraphQLError(String(error));
    sendJson(res, 200, { errors: [formatGraphQLError(e)] }, headers);
    return;
  }
  const validationErrors = validate(deps.schema, document);
  if (validationErrors.length > 0) {
    sendJson(res, 200, { errors: validationErrors.map(formatGraphQLError) }, headers);
    return;
  }
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((o) => o.name?.value === operationName)
    : operations[0];
  if (!operation) {
    sendJson(
      res,
      200,
      { errors: [{ message: "No operation named " + String(operationName) }] },
      headers,
    );
    return;
  }
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;

  const calculated = queryCost(deps.schema, operation, fragments, variables);
  const bucket = entry.bucket;
  if (calculated.requested > MAX_SINGLE_QUERY_COST) {
    const message =
      `Query cost is ${calculated.requested}, which exceeds the single query max cost limit (${MAX_SINGLE_QUERY_COST}).\n\n` +
      "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n" +
      "cost of a query is calculated.\n\n" +
      "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n" +
      "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n";
    sendJson(
      res,
      200,
      {
        errors: [
          {
            message,
            extensions: {
              code: "MAX_COST_EXCEEDED",
              cost: calculated.requested,
              maxCost: MAX_SINGLE_QUERY_COST,
            },
          },
        ],
        extensions: { cost: cost(calculated.requested, null, bucket) },
      },
      headers,
    );
    return;
  }
  if (!bucket.take(calculated.requested)) {
    sendJson(
      res,
      200,
      {
        errors: [
          {
            message: "Throttled",
            extensions: {
              code: "THROTTLED",
              documentation: "https://shopify.dev/api/usage/rate-limits",
            },
          },
        ],
        extensions: { cost: cost(calculated.requested, null, bucket) },
      },
      headers,
    );
    return;
  }
  const ctx: RequestContext = {
    shop: entry.shop,
    apiVersion: version,
    scopes: record.scopes,
    bulk: deps.bulk,
  };
  const result = await execute({
    schema: deps.schema,
    document,
    variableValues: variables,
    operationName,
    contextValue: ctx,
  });
  const actual = Math.min(calculated.requested, calculated.actual(result.data ?? null));
  bucket.refund(calculated.requested - actual);
  sendJson(
    res,
    200,
    {
      ...(result.errors ? { errors: result.errors.map(formatGraphQLError) } : {}),
      data: result.data ?? null,
      extensions: { cost: cost(calculated.requested, actual, bucket) },
    },
    headers,
  );
}

export async function handleAccessToken(
  req: IncomingMessage,
  res: ServerResponse,
  host: string,
  deps: AdminApiDeps,
): Promise<void> {
  const entry = deps.shopFor(host);
  if (!entry) throw new HttpError(404, { errors: "Not Found" });
  const params = await readParams(req);
  try {
    if (!deps.auth.clientMatches(params.client_id, params.client_secret)) {
      throw new OAuthError(
        401,
        "invalid_client",
        "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
      );
    }
    const shop = entry.shop.domain;
    if (params.grant_type === "refresh_token") {
      sendJson(res, 200, deps.auth.refresh(shop, String(params.refresh_token ?? ""), entry.scopes));
      return;
    }
    if (params.grant_type !== TOKEN_EXCHANGE_GRANT) {
      throw new OAuthError(
        400,
        "unsupported_grant_type",
        "The stand-in supports token exchange and refresh_token grants.",
      );
    }
    const expiring = params.expiring === "1" || params.expiring === 1 || params.expiring === true;
    const subject = String(params.subject_token ?? "");
    if (params.subject_token_type === OFFLINE_TOKEN_TYPE) {
      sendJson(res, 200, deps.auth.migrate(shop, subject, entry.scopes));
      return;
    }
    if (params.subject_token_type !== ID_TOKEN_TYPE) {
      throw new OAuthError(400, "invalid_request", "Unsupported subject_token_type.");
    }
    const verified = await deps.auth.verifySessionToken(subject);
    if (verified.shop !== shop) {
      throw new OAuthError(
        400,
        "invalid_subject_token",
        "Invalid subject token: it was issued for another shop.",
      );
    }
    deps.onInstall(entry);
    if (params.requested_token_type === ONLINE_TOKEN_TYPE) {
      sendJson(
        res,
        200,
        deps.auth.issueOnline(shop, entry.scopes, {
          ...DEFAULT_USER,
          id: verified.userId || DEFAULT_USER.id,
        }),
      );
      return;
    }
    if (params.requested_token_type !== OFFLINE_TOKEN_TYPE) {
      throw new OAuthError(400, "invalid_request", "Unsupported requested_token_type.");
    }
    sendJson(res, 200, deps.auth.issueOffline(shop, entry.scopes, expiring));
  } catch (error) {
    if (error instanceof OAuthError) {
      sendJson(res, error.status, { error: error.error, error_description: error.message });
      return;
    }
    throw error;
  }
}
