/**
 * /app/deliveries: the shop's webhook deliveries, newest first, by status and topic. Dead letters
 * can be retried one at a time or all selected at once.
 */
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useSearchParams } from "@remix-run/react";
import {
  Button,
  IndexTable,
  InlineStack,
  Link,
  Select,
  Text,
  useIndexResourceState,
} from "@shopify/polaris";
import { useEffect } from "react";
import { ActionErrorBanner, useActionToast } from "../components/ActionFeedback.tsx";
import { formatTime } from "../components/format.ts";
import { useSetFilters } from "../components/list.tsx";
import { ListPage } from "../components/ListPage.tsx";
import { NumericCell } from "../components/NumericCell.tsx";
import { RouteError } from "../components/RouteError.tsx";
import { DELIVERY_STATUS_LABELS, DeliveryStatusBadge } from "../components/StatusBadge.tsx";
import { usePollWhile } from "../components/usePollWhile.ts";
import { pool } from "../db.server.ts";
import type { ActionResult } from "../lib/admin/action-result.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import {
  DELIVERY_STATUSES,
  DELIVERY_TOPICS,
  deliveryListSchema,
  listDeliveries,
} from "../lib/admin/deliveries.server.ts";
import { parseForm, parseSearch } from "../lib/admin/http.server.ts";
import { retryForShop, retrySchema } from "../lib/admin/retry.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const input = parseSearch(request, deliveryListSchema);
  return json({
    page: await listDeliveries(pool, shop.domain, input),
    topics: DELIVERY_TOPICS,
    statuses: DELIVERY_STATUSES,
  });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const form = await parseForm(request, retrySchema);
  if (!form.ok) return form.response;
  return retryForShop(shop.domain, form.data.ids);
};

export default function Deliveries() {
  const { page, topics, statuses } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const setFilters = useSetFilters();
  const retry = useFetcher<typeof action>();
  const result = retry.data as ActionResult | undefined;
  useActionToast(result);
  const { selectedResources, allResourcesSelected, handleSelectionChange, clearSelection } =
    useIndexResourceState(page.rows);
  useEffect(() => {
    if (result?.ok) clearSelection();
  }, [result, clearSelection]);
  // A retried delivery waits for the worker: follow it until it settles.
  usePollWhile(page.rows.some((row) => row.status === "received" || row.status === "processing"));

  const submitRetry = (ids: string[]) => {
    const form = new FormData();
    form.set("intent", "retry");
    for (const id of ids) form.append("ids", id);
    retry.submit(form, { method: "post" });
  };
  const status = params.get("status") ?? "";
  const topic = params.get("topic") ?? "";
  const filtered = Boolean(status || topic);

  return (
    <ListPage
      title="Webhook deliveries"
      resourceName={{ singular: "delivery", plural: "deliveries" }}
      page={page}
      header={<ActionErrorBanner result={result} />}
      empty={{
        heading: "No webhook deliveries yet",
        text: "Shopify sends Recur a webhook each time a customer or an order changes. They show here as they arrive.",
      }}
      filters={
        <InlineStack gap="400" blockAlign="end">
          <Select
            label="Status"
            options={[
              { label: "All statuses", value: "" },
              ...statuses.map((value) => ({
                label: DELIVERY_STATUS_LABELS[value] ?? value,
                value,
              })),
            ]}
            value={status}
            onChange={(value) => setFilters({ status: value })}
          />
          <Select
            label="Topic"
            options={[
              { label: "All topics", value: "" },
              ...topics.map((value) => ({ label: value, value })),
            ]}
            value={topic}
            onChange={(value) => setFilters({ topic: value })}
          />
          {filtered ? (
            <Button variant="plain" onClick={() => setFilters({ status: "", topic: "" })}>
              Clear filters
            </Button>
          ) : null}
        </InlineStack>
      }
      filtered={{ active: filtered, notFound: "Try another status or topic." }}
      selection={{
        selectedItemsCount: allResourcesSelected ? "All" : selectedResources.length,
        onSelectionChange: handleSelectionChange,
        promotedBulkActions: [
          {
            content: "Retry selected",
            onAction: () =>
              submitRetry(
                allResourcesSelected ? page.rows.map((row) => row.id) : selectedResources,
              ),
          },
        ],
      }}
      headings={[
        { title: "Topic" },
        { title: "Status" },
        { title: "Triggered" },
        { title: "Received" },
        { title: "Attempts", alignment: "end" },
        { title: "Last error" },
        { title: "" },
      ]}
    >
      {page.rows.map((delivery, index) => (
        <IndexTable.Row
          id={delivery.id}
          key={delivery.id}
          position={index}
          selected={selectedResources.includes(delivery.id)}
        >
          <IndexTable.Cell>
            <Link
              url={`/app/deliveries/${encodeURIComponent(delivery.id)}`}
              dataPrimaryLink
              removeUnderline
            >
              <Text as="span" fontWeight="semibold">
                {delivery.topic}
              </Text>
            </Link>
          </IndexTable.Cell>
          <IndexTable.Cell>
            <span data-testid={`delivery-status-${delivery.id}`}>
              <DeliveryStatusBadge status={delivery.status} />
            </span>
          </IndexTable.Cell>
          <IndexTable.Cell>{formatTime(delivery.triggeredAt)}</IndexTable.Cell>
          <IndexTable.Cell>{formatTime(delivery.receivedAt)}</IndexTable.Cell>
          <NumericCell>{delivery.attempts}</NumericCell>
          <IndexTable.Cell>
            <Text
              as="span"
              tone={
                delivery.status === "ignored" || delivery.status === "skipped"
                  ? "subdued"
                  : "critical"
              }
              truncate
            >
              {delivery.status === "processed" ? "" : (delivery.lastError ?? "")}
            </Text>
          </IndexTable.Cell>
          <IndexTable.Cell>
            {delivery.status === "dead_letter" ? (
              // The row itself opens the delivery; the button only retries.
              <div onClick={(event) => event.stopPropagation()}>
                <Button
                  size="slim"
                  onClick={() => submitRetry([delivery.id])}
                  loading={
                    retry.state !== "idle" && retry.formData?.getAll("ids").join() === delivery.id
                  }
                  accessibilityLabel={`Retry delivery ${delivery.id}`}
                >
                  Retry
                </Button>
              </div>
            ) : null}
          </IndexTable.Cell>
        </IndexTable.Row>
      ))}
    </ListPage>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Webhook deliveries" backUrl="/app" />;
}
