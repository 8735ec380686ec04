/** /app/syncs: every sync run of the shop, newest first. */
import { json, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { IndexTable, Link, Text } from "@shopify/polaris";
import { capitalize, formatCount, formatDuration, formatTime } from "../components/format.ts";
import { ListPage } from "../components/ListPage.tsx";
import { NumericCell } from "../components/NumericCell.tsx";
import { RouteError } from "../components/RouteError.tsx";
import { RunStatusBadge } from "../components/StatusBadge.tsx";
import { pool } from "../db.server.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { parseSearch } from "../lib/admin/http.server.ts";
import { listSyncRuns, syncHistorySchema } from "../lib/admin/sync-history.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const input = parseSearch(request, syncHistorySchema);
  return json({ page: await listSyncRuns(pool, shop.id, input) });
};

export default function SyncHistory() {
  const { page } = useLoaderData<typeof loader>();
  return (
    <ListPage
      title="Sync history"
      resourceName={{ singular: "sync run", plural: "sync runs" }}
      page={page}
      empty={{
        heading: "No syncs yet",
        text: "Recur syncs your customers and orders when it is installed, every night, and when you press “Sync now” on the overview.",
      }}
      headings={[
        { title: "Run" },
        { title: "Status" },
        { title: "Kind" },
        { title: "Data" },
        { title: "Started" },
        { title: "Duration" },
        { title: "Written", alignment: "end" },
        { title: "Skipped", alignment: "end" },
        { title: "Repaired", alignment: "end" },
        { title: "Error" },
      ]}
    >
      {page.rows.map((run, index) => (
        <IndexTable.Row id={String(run.id)} key={run.id} position={index}>
          <IndexTable.Cell>
            <Link url={`/app/syncs/${run.id}`} dataPrimaryLink removeUnderline>
              <Text as="span" fontWeight="semibold">
                #{run.id}
              </Text>
            </Link>
          </IndexTable.Cell>
          <IndexTable.Cell>
            <RunStatusBadge status={run.status} />
          </IndexTable.Cell>
          <IndexTable.Cell>{run.kind === "full" ? "Full" : "Incremental"}</IndexTable.Cell>
          <IndexTable.Cell>{capitalize(run.entity)}</IndexTable.Cell>
          <IndexTable.Cell>{formatTime(run.startedAt)}</IndexTable.Cell>
          <IndexTable.Cell>{formatDuration(run.durationSeconds)}</IndexTable.Cell>
          <NumericCell>{formatCount(run.rowsWritten)}</NumericCell>
          <NumericCell>{formatCount(run.rowsSkipped)}</NumericCell>
          <NumericCell>{formatCount(run.rowsRepaired)}</NumericCell>
          <IndexTable.Cell>
            <Text as="span" tone="critical" truncate>
              {run.errorMessage ?? ""}
            </Text>
          </IndexTable.Cell>
        </IndexTable.Row>
      ))}
    </ListPage>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Sync history" backUrl="/app" />;
}
