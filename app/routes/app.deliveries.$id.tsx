/**
 * /app/deliveries/:id: one webhook delivery: the headers that identify it, its payload and its last
 * error; a dead letter can be retried. Another shop's delivery is a 404.
 */
import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Box,
  Card,
  DescriptionList,
  Layout,
  Page,
  Text,
} from "@shopify/polaris";
import { z } from "zod";
import { ActionErrorBanner, useActionToast } from "../components/ActionFeedback.tsx";
import { formatDuration, formatTimeExact } from "../components/format.ts";
import { RouteError } from "../components/RouteError.tsx";
import { DeliveryStatusBadge } from "../components/StatusBadge.tsx";
import { usePollWhile } from "../components/usePollWhile.ts";
import { pool } from "../db.server.ts";
import type { ActionResult } from "../lib/admin/action-result.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { findDelivery } from "../lib/admin/deliveries.server.ts";
import { notFound, parseForm } from "../lib/admin/http.server.ts";
import { retryForShop, retrySchema } from "../lib/admin/retry.server.ts";

const params = z.object({ id: z.string().min(1).max(255) });

export const loader = async ({ request, params: raw }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const parsed = params.safeParse(raw);
  const delivery = parsed.success
    ? await findDelivery(pool, shop.domain, parsed.data.id)
    : undefined;
  if (!delivery) throw notFound(`This store has no webhook delivery ${raw.id ?? ""}.`);
  const { payload, ...headers } = delivery;
  return json({ delivery: headers, payload });
};

export const action = async ({ request, params: raw }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const form = await parseForm(request, retrySchema);
  if (!form.ok) return form.response;
  // This page retries its own delivery only.
  if (form.data.ids.length !== 1 || form.data.ids[0] !== raw.id) {
    return json<ActionResult>(
      { ok: false, error: "This page retries only the delivery it shows" },
      { status: 400 },
    );
  }
  return retryForShop(shop.domain, form.data.ids);
};

export default function DeliveryPage() {
  const { delivery, payload } = useLoaderData<typeof loader>();
  // Ignored and skipped deliveries carry a reason, not an error.
  const settledWithReason = delivery.status === "ignored" || delivery.status === "skipped";
  const retry = useFetcher<typeof action>();
  const result = retry.data as ActionResult | undefined;
  useActionToast(result);
  usePollWhile(delivery.status === "received" || delivery.status === "processing");
  const delay =
    delivery.processedAt && delivery.triggeredAt
      ? (new Date(delivery.processedAt).getTime() - new Date(delivery.triggeredAt).getTime()) / 1000
      : null;
  return (
    <Page
      title={delivery.topic}
      titleMetadata={<DeliveryStatusBadge status={delivery.status} />}
      subtitle={`Webhook delivery ${delivery.id}`}
      backAction={{ content: "Webhook deliveries", url: "/app/deliveries" }}
      primaryAction={
        delivery.status === "dead_letter"
          ? {
              content: "Retry",
              loading: retry.state !== "idle",
              onAction: () =>
                retry.submit({ intent: "retry", ids: delivery.id }, { method: "post" }),
            }
          : undefined
      }
    >
      <TitleBar title={delivery.topic} />
      <Layout>
        <Layout.Section>
          <BlockStack gap="300">
            <ActionErrorBanner result={result} />
            {delivery.lastError && delivery.status !== "processed" ? (
              <Banner
                tone={settledWithReason ? "info" : "critical"}
                title={
                  delivery.status === "ignored"
                    ? "Ignored"
                    : delivery.status === "skipped"
                      ? "Skipped"
                      : "Last error"
                }
              >
                <p>{delivery.lastError}</p>
              </Banner>
            ) : null}
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <DescriptionList
              items={[
                { term: "Webhook id (X-Shopify-Webhook-Id)", description: delivery.id },
                { term: "Event id (X-Shopify-Event-Id)", description: delivery.eventId ?? "—" },
                { term: "Topic (X-Shopify-Topic)", description: delivery.topic },
                { term: "API version (X-Shopify-API-Version)", description: delivery.apiVersion },
                {
                  term: "Triggered at (X-Shopify-Triggered-At)",
                  description: formatTimeExact(delivery.triggeredAt),
                },
                { term: "Received at", description: formatTimeExact(delivery.receivedAt) },
                { term: "Processed at", description: formatTimeExact(delivery.processedAt) },
                { term: "Delay, triggered to processed", description: formatDuration(delay) },
                { term: "Attempts", description: String(delivery.attempts) },
                {
                  term: "Subscription (X-Shopify-Name)",
                  description: delivery.subscriptionName ?? "—",
                },
              ]}
            />
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Payload
              </Text>
              <Box
                background="bg-surface-secondary"
                padding="300"
                borderRadius="200"
                overflowX="scroll"
              >
                <pre style={{ margin: 0, fontSize: 12, maxHeight: 480, overflowY: "auto" }}>
                  <code>{payload}</code>
                </pre>
              </Box>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Webhook delivery" backUrl="/app/deliveries" />;
}
