/** /app/syncs/:id: one sync run of the shop in full. Another shop's run is a 404. */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Card,
  DescriptionList,
  InlineStack,
  Layout,
  Page,
  Text,
} from "@shopify/polaris";
import { z } from "zod";
import {
  capitalize,
  formatCount,
  formatDuration,
  formatTimeExact,
  humanize,
} from "../components/format.ts";
import { RouteError } from "../components/RouteError.tsx";
import { Stat } from "../components/Stat.tsx";
import { RunStatusBadge } from "../components/StatusBadge.tsx";
import { pool } from "../db.server.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { notFound } from "../lib/admin/http.server.ts";
import { findSyncRun } from "../lib/admin/sync-history.server.ts";
import { serialId } from "../lib/zod-fields.ts";

const params = z.object({ id: serialId });

export const loader = async ({ request, params: raw }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const parsed = params.safeParse(raw);
  const run = parsed.success ? await findSyncRun(pool, shop.id, parsed.data.id) : undefined;
  if (!run) throw notFound(`This store has no sync run ${raw.id ?? ""}.`);
  return json({ run });
};

export default function SyncRunPage() {
  const { run } = useLoaderData<typeof loader>();
  const title = `Sync run #${run.id}`;
  return (
    <Page
      title={title}
      titleMetadata={<RunStatusBadge status={run.status} />}
      subtitle={`${run.kind === "full" ? "Full" : "Incremental"} sync of ${run.entity}`}
      backAction={{ content: "Sync history", url: "/app/syncs" }}
    >
      <TitleBar title={title} />
      <Layout>
        {run.errorMessage ? (
          <Layout.Section>
            <Banner
              tone={run.status === "failed" ? "critical" : "warning"}
              title={run.errorCode ? `Error ${run.errorCode}` : "Error"}
            >
              <p>{run.errorMessage}</p>
            </Banner>
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Rows
              </Text>
              <InlineStack gap="800">
                <Stat label="Written" value={formatCount(run.rowsWritten)} size="lg" />
                <Stat
                  label="Already current (skipped)"
                  value={formatCount(run.rowsSkipped)}
                  size="lg"
                />
                <Stat
                  label="Repaired"
                  value={run.kind === "incremental" ? formatCount(run.rowsRepaired) : "—"}
                  size="lg"
                />
                <Stat label="Lines rejected" value={formatCount(run.linesRejected)} size="lg" />
              </InlineStack>
              {run.kind === "incremental" ? (
                <Text as="p" tone="subdued">
                  An incremental run re-reads what changed since the last completed sync: every row
                  it writes is a change no webhook had brought.
                </Text>
              ) : null}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <DescriptionList
              items={[
                { term: "Data", description: capitalize(run.entity) },
                { term: "Kind", description: run.kind === "full" ? "Full" : "Incremental" },
                { term: "Status", description: humanize(run.status) },
                { term: "Started", description: formatTimeExact(run.startedAt) },
                { term: "Finished", description: formatTimeExact(run.finishedAt) },
                { term: "Duration", description: formatDuration(run.durationSeconds) },
                {
                  term: "Shopify's export",
                  description: run.bulkOperationId
                    ? `${run.bulkOperationId} (${humanize(run.bulkStatus)}, ${formatCount(run.objectCount)} objects)`
                    : "Not started",
                },
                { term: "Search filter", description: run.searchQuery ?? "None (every row)" },
                {
                  term: "Partial data",
                  description: run.partial ? "Yes: Shopify's partial export was saved" : "No",
                },
                { term: "Queued for saving", description: formatTimeExact(run.ingestQueuedAt) },
              ]}
            />
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Sync run" backUrl="/app/syncs" />;
}
