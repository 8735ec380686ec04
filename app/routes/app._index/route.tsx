/**
 * /app, the overview: for customers and orders, what Recur holds against what the store holds, the
 * last completed sync and the run in progress; webhook health and queue depth; what needs the
 * merchant; charts. "Sync now" queues a full sync, "Check for missed updates" an incremental one.
 * The read model is app/lib/admin/overview.server.ts; each card is a file beside this one.
 */
import {
  json,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
} from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import { BlockStack, InlineGrid, Layout, Page } from "@shopify/polaris";
import polarisVizStyles from "@shopify/polaris-viz/build/esm/styles.css?url";
import { ActionErrorBanner, useActionToast } from "../../components/ActionFeedback.tsx";
import { RouteError } from "../../components/RouteError.tsx";
import { pool } from "../../db.server.ts";
import type { ActionResult } from "../../lib/admin/action-result.ts";
import { requireShop } from "../../lib/admin/context.server.ts";
import { actionSuccess, parseForm } from "../../lib/admin/http.server.ts";
import { readOverview } from "../../lib/admin/overview.server.ts";
import { startSync, syncActionSchema } from "../../lib/admin/sync-actions.server.ts";
import { AttentionBanners } from "./attention-banners.tsx";
import { OverviewCharts } from "./charts.tsx";
import { EntityCard } from "./entity-card.tsx";
import { QueueCard } from "./queue-card.tsx";
import { useSyncActivity } from "./use-sync-activity.tsx";
import { WebhooksCard } from "./webhooks-card.tsx";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: polarisVizStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) =>
  json(await readOverview(pool, await requireShop(request)));

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const form = await parseForm(request, syncActionSchema);
  if (!form.ok) return form.response;
  return actionSuccess(await startSync(pool, shop.id, form.data.kind));
};

export default function Overview() {
  const data = useLoaderData<typeof loader>();
  const live = useSyncActivity(data);
  const sync = useFetcher<typeof action>();
  useActionToast(sync.data as ActionResult | undefined);

  const submitSync = (kind: "full" | "incremental") =>
    sync.submit({ intent: "sync", kind }, { method: "post" });
  const submitting = sync.state !== "idle";
  const kindSubmitting = sync.formData?.get("kind");

  return (
    <Page
      title="Overview"
      subtitle={data.shop}
      primaryAction={{
        content: "Sync now",
        onAction: () => submitSync("full"),
        loading: submitting && kindSubmitting === "full",
        disabled: submitting,
      }}
      secondaryActions={[
        {
          content: "Check for missed updates",
          onAction: () => submitSync("incremental"),
          loading: submitting && kindSubmitting === "incremental",
          disabled: submitting,
        },
      ]}
    >
      <TitleBar title="Overview" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="300">
            <ActionErrorBanner result={sync.data as ActionResult | undefined} />
            <AttentionBanners data={data} onSync={() => submitSync("full")} />
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
            {data.entities.map((status) => (
              <EntityCard
                key={status.entity}
                status={status}
                storeCount={data.store ? data.store[status.entity] : null}
                run={live.progress.find((run) => run.entity === status.entity)}
                queued={live.active && !live.progress.some((run) => run.entity === status.entity)}
              />
            ))}
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
            <WebhooksCard health={data.health} />
            <QueueCard queue={data.queue} syncJobs={live.syncJobs} />
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <OverviewCharts {...data.charts} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Overview" />;
}
