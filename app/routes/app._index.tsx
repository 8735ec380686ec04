/**
 * /app, the overview: for customers and orders, what Recur holds against what the store holds, the
 * last completed sync and the run in progress; webhook health and queue depth; what needs the
 * merchant; charts. "Sync now" queues a full sync, "Check for missed updates" an incremental one.
 */
import {
  json,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type SerializeFrom,
} from "@remix-run/node";
import { useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Box,
  Card,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  ProgressBar,
  Text,
} from "@shopify/polaris";
import polarisVizStyles from "@shopify/polaris-viz/build/esm/styles.css?url";
import { useEffect, useRef } from "react";
import { ActionErrorBanner, useActionToast } from "../components/ActionFeedback.tsx";
import {
  capitalize,
  formatCount,
  formatDuration,
  formatTime,
  plural,
} from "../components/format.ts";
import { OverviewCharts } from "../components/OverviewCharts.tsx";
import { RouteError } from "../components/RouteError.tsx";
import { pool } from "../db.server.ts";
import type { ActionResult } from "../lib/admin/action-result.ts";
import { canReadAllOrders, requireShop } from "../lib/admin/context.server.ts";
import { actionSuccess, parseForm } from "../lib/admin/http.server.ts";
import {
  deliveryQueue,
  entityStatuses,
  ordersPerDay,
  queuedSyncJobs,
  runningRuns,
  syncThroughput,
  webhookHealth,
} from "../lib/admin/overview.server.ts";
import { readStoreCounts, runProgress, type RunProgress } from "../lib/admin/progress.server.ts";
import { startSync, syncActionSchema } from "../lib/admin/sync-actions.server.ts";
import type { loader as progressLoader } from "./app.sync-progress.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: polarisVizStyles }];

const POLL_MS = 1500;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, admin, session } = await requireShop(request);
  const asOf = new Date().toISOString();
  const [entities, running, health, queue, perDay, throughput, storeCounts] = await Promise.all([
    entityStatuses(pool, shop.id),
    runningRuns(pool, shop.id),
    webhookHealth(pool, shop.domain),
    deliveryQueue(pool, shop.domain),
    ordersPerDay(pool, shop.id),
    syncThroughput(pool, shop.id),
    readStoreCounts(admin),
  ]);
  const [jobs, progress] = await Promise.all([
    queuedSyncJobs(pool, shop.id, running),
    runProgress(admin, running, storeCounts),
  ]);
  return json({
    asOf,
    shop: shop.domain,
    entities,
    store: storeCounts
      ? {
          customers: storeCounts.customersCount.count,
          orders: storeCounts.ordersCount.count,
          exact:
            storeCounts.customersCount.precision === "EXACT" &&
            storeCounts.ordersCount.precision === "EXACT",
        }
      : null,
    progress,
    syncJobs: jobs.total,
    active: running.length > 0 || jobs.starts > 0,
    health,
    queue,
    canReadAllOrders: canReadAllOrders(session.scope),
    charts: { ordersPerDay: perDay, throughput },
  });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const form = await parseForm(request, syncActionSchema);
  if (!form.ok) return form.response;
  return actionSuccess(await startSync(pool, shop.id, form.data.kind));
};

type LoaderData = SerializeFrom<typeof loader>;
type Progress = SerializeFrom<RunProgress>;

/** What needs the merchant, most urgent first. */
function AttentionBanners({
  data,
  onSync,
}: {
  data: Pick<LoaderData, "entities" | "queue" | "canReadAllOrders">;
  onSync: () => void;
}) {
  const banners: React.ReactNode[] = [];
  if (data.queue.deadLetters > 0) {
    banners.push(
      <Banner
        key="dead-letters"
        tone="critical"
        title={`${plural(data.queue.deadLetters, "webhook delivery", "webhook deliveries")} failed and ${data.queue.deadLetters === 1 ? "waits" : "wait"} for you`}
        action={{ content: "Review dead letters", url: "/app/deliveries?status=dead_letter" }}
      >
        <p>
          Recur could not apply {data.queue.deadLetters === 1 ? "this change" : "these changes"}{" "}
          from Shopify after every retry. Retry them once the cause is fixed; a sync also brings the
          latest data.
        </p>
      </Banner>,
    );
  }
  for (const entity of data.entities) {
    const failed = entity.lastFinished;
    if (failed && failed.status === "failed") {
      banners.push(
        <Banner
          key={`failed-${entity.entity}`}
          tone="critical"
          title={`The last ${entity.entity} sync failed`}
          action={{ content: "Sync now", onAction: onSync }}
          secondaryAction={{ content: "See the run", url: `/app/syncs/${failed.id}` }}
        >
          <p>{failed.errorMessage ?? "Shopify or Recur stopped the run without a reason."}</p>
        </Banner>,
      );
    }
  }
  if (!data.canReadAllOrders) {
    banners.push(
      <Banner key="scope" tone="warning" title="Orders older than 60 days are missing">
        <p>
          Recur&apos;s access to your store lacks the <code>read_all_orders</code> permission, so
          Shopify lets it read only the last 60 days of orders. Approve that permission when Shopify
          asks (update Recur&apos;s access from the app&apos;s listing) to keep a complete copy.
        </p>
      </Banner>,
    );
  }
  if (banners.length === 0) return null;
  return <BlockStack gap="300">{banners}</BlockStack>;
}

function RunningSync({ run }: { run: Progress }) {
  const label =
    run.phase === "starting"
      ? "Asking Shopify for an export…"
      : run.phase === "saving"
        ? "Shopify's export is done; saving it into Recur…"
        : run.exported !== null && run.expected !== null
          ? `Shopify is exporting ${run.entity}: ${formatCount(run.exported)} of ${formatCount(run.expected)}`
          : `Shopify is exporting ${run.entity}…`;
  return (
    <div data-testid={`progress-${run.entity}`} data-phase={run.phase}>
      <BlockStack gap="200">
        <InlineStack align="space-between">
          <Text as="span" fontWeight="semibold">
            {run.kind === "full" ? "Full sync" : "Checking for missed updates"} in progress
          </Text>
          <Text as="span" tone="subdued">
            {run.percent}%
          </Text>
        </InlineStack>
        <ProgressBar progress={run.percent} tone="highlight" />
        <Text as="p" tone="subdued">
          {label} · started {formatTime(run.startedAt)}
        </Text>
      </BlockStack>
    </div>
  );
}

function EntityCard({
  status,
  storeCount,
  run,
  queued,
}: {
  status: LoaderData["entities"][number];
  storeCount: number | null;
  run: Progress | undefined;
  queued: boolean;
}) {
  const last = status.lastCompleted;
  const matches = storeCount !== null && storeCount === status.inRecur;
  return (
    <Card>
      <div data-testid={`entity-${status.entity}`}>
        <BlockStack gap="400">
          <Text as="h2" variant="headingMd">
            {capitalize(status.entity)}
          </Text>
          <InlineGrid columns={2} gap="400">
            <BlockStack gap="100">
              <Text as="span" tone="subdued">
                In Recur
              </Text>
              <Text as="p" variant="headingLg" id={`in-recur-${status.entity}`}>
                {formatCount(status.inRecur)}
              </Text>
            </BlockStack>
            <BlockStack gap="100">
              <Text as="span" tone="subdued">
                In Shopify
              </Text>
              <Text as="p" variant="headingLg" id={`in-shopify-${status.entity}`}>
                {formatCount(storeCount)}
              </Text>
            </BlockStack>
          </InlineGrid>
          {run ? (
            <RunningSync run={run} />
          ) : queued ? (
            <Text as="p" tone="subdued">
              A sync is queued and starts in a moment…
            </Text>
          ) : storeCount !== null && !matches && last ? (
            <Text as="p" tone="caution">
              Recur and Shopify differ by {formatCount(Math.abs(storeCount - status.inRecur))}.
              Check for missed updates, or sync now.
            </Text>
          ) : null}
          <Box>
            <Text as="p" fontWeight="semibold">
              Last completed sync
            </Text>
            {last ? (
              <div data-testid={`last-sync-${status.entity}`}>
                <Text as="p" tone="subdued">
                  {formatTime(last.finishedAt)} · {last.kind === "full" ? "full" : "incremental"} ·
                  took {formatDuration(last.durationSeconds)} · {plural(last.rowsWritten, "row")}{" "}
                  written, {formatCount(last.rowsSkipped)} already current
                </Text>
              </div>
            ) : (
              <Text as="p" tone="subdued">
                None yet.
              </Text>
            )}
          </Box>
        </BlockStack>
      </div>
    </Card>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <BlockStack gap="100">
      <Text as="span" tone="subdued">
        {label}
      </Text>
      <div data-testid={testId}>
        <Text as="p" variant="headingMd">
          {value}
        </Text>
      </div>
    </BlockStack>
  );
}

function delay(seconds: number | null): string {
  return seconds === null ? "—" : formatDuration(seconds);
}

export default function Overview() {
  const data = useLoaderData<typeof loader>();
  const sync = useFetcher<typeof action>();
  const poll = useFetcher<typeof progressLoader>();
  const revalidator = useRevalidator();
  useActionToast(sync.data as ActionResult | undefined);

  // While a sync runs (or is about to), poll its progress; when it ends, reload the whole page.
  // The newer of the page's data and the last poll wins (a poll in flight keeps its last answer).
  const live = poll.data && poll.data.asOf > data.asOf ? poll.data : data;
  const active = live.active;
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) revalidator.revalidate();
    wasActive.current = active;
  }, [active, revalidator]);
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(() => poll.load("/app/sync-progress"), POLL_MS);
    return () => clearTimeout(timer);
    // poll.load is stable enough; a new timer follows each answer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active, live]);

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
            <Card>
              <BlockStack gap="400">
                <BlockStack gap="100">
                  <Text as="h2" variant="headingMd">
                    Webhooks, last 24 hours
                  </Text>
                  <Text as="p" tone="subdued">
                    Delay: from Shopify&apos;s trigger to the change being in Recur.
                  </Text>
                </BlockStack>
                <InlineGrid columns={3} gap="400">
                  <Stat label="Received" value={formatCount(data.health.received)} />
                  <Stat label="Processed" value={formatCount(data.health.processed)} />
                  <Stat
                    label="Dead letters"
                    value={formatCount(data.health.deadLetters)}
                    testId="dead-letters-24h"
                  />
                  <Stat label="Ignored" value={formatCount(data.health.ignored)} />
                  <Stat
                    label="Skipped, older than stored"
                    value={formatCount(data.health.skipped)}
                    testId="skipped-24h"
                  />
                  <Stat label="Median delay" value={delay(data.health.medianDelaySeconds)} />
                  <Stat label="95th percentile delay" value={delay(data.health.p95DelaySeconds)} />
                </InlineGrid>
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="400">
                <BlockStack gap="100">
                  <Text as="h2" variant="headingMd">
                    Queue
                  </Text>
                  <Text as="p" tone="subdued">
                    Work for this store that Recur has not finished yet.
                  </Text>
                </BlockStack>
                <InlineGrid columns={2} gap="400">
                  <Stat label="Deliveries waiting" value={formatCount(data.queue.waiting)} />
                  <Stat label="Deliveries processing" value={formatCount(data.queue.processing)} />
                  <Stat label="Sync jobs queued" value={formatCount(live.syncJobs)} />
                  <Stat
                    label="Dead letters to retry"
                    value={formatCount(data.queue.deadLetters)}
                    testId="dead-letters-waiting"
                  />
                </InlineGrid>
              </BlockStack>
            </Card>
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
