/** /app/segments: the shop's RFM segments, the R x FM grid and recent moves (docs/rfm.md). */
import {
  json,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type SerializeFrom,
} from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigate, useRevalidator } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Box,
  Card,
  DataTable,
  EmptyState,
  InlineStack,
  Link,
  Page,
  Select,
  Text,
} from "@shopify/polaris";
import { useEffect } from "react";
import { z } from "zod";
import { ActionErrorBanner, useActionToast } from "../components/ActionFeedback.tsx";
import { EMPTY_ILLUSTRATION } from "../components/empty-illustration.ts";
import { formatCount, formatMoney, formatTime, humanize, plural } from "../components/format.ts";
import { RouteError } from "../components/RouteError.tsx";
import { SegmentSizesChart } from "../components/SegmentSizesChart.tsx";
import { TitledCard } from "../components/TitledCard.tsx";
import { pool } from "../db.server.ts";
import type { ActionResult } from "../lib/admin/action-result.ts";
import { requireShop } from "../lib/admin/context.server.ts";
import { actionSuccess, parseForm, parseSearch } from "../lib/admin/http.server.ts";
import {
  segmentsOverview,
  segmentsSearchSchema,
  type GridCell,
} from "../lib/admin/segments.server.ts";
import { enqueueShopScoring } from "../lib/rfm/jobs.server.ts";
import { MIN_SCORED_FOR_SEGMENTS } from "../lib/rfm/rule-set.ts";

const POLL_MS = 2000;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const { days } = parseSearch(request, segmentsSearchSchema);
  return json(await segmentsOverview(pool, shop.id, days));
};

const recomputeSchema = z.object({ intent: z.literal("recompute") });

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const form = await parseForm(request, recomputeSchema);
  if (!form.ok) return form.response;
  await enqueueShopScoring(pool, shop.id);
  return actionSuccess("Recomputing segments");
};

type Data = SerializeFrom<typeof loader>;

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/** The R x FM grid, each cell shaded by its share of the scored customers. */
function Grid({ grid }: { grid: GridCell[] }) {
  const total = grid.reduce((sum, cell) => sum + cell.customers, 0);
  const rows = [5, 4, 3, 2, 1];
  const columns = [1, 2, 3, 4, 5];
  const cell = (r: number, fm: number) => grid.find((c) => c.r === r && c.fm === fm);
  return (
    <table style={{ borderCollapse: "collapse", width: "100%" }} aria-label="Recency by FM grid">
      <thead>
        <tr>
          <th scope="col">
            <Text as="span" variant="bodySm" tone="subdued">
              R \ FM
            </Text>
          </th>
          {columns.map((fm) => (
            <th key={fm} scope="col">
              <Text as="span" variant="bodySm" tone="subdued">
                {fm}
              </Text>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r}>
            <th scope="row">
              <Text as="span" variant="bodySm" tone="subdued">
                {r}
              </Text>
            </th>
            {columns.map((fm) => {
              const found = cell(r, fm);
              const share = total > 0 && found ? found.customers / total : 0;
              return (
                <td
                  key={fm}
                  title={found ? `${humanize(found.segment)}: r ${r}, fm ${fm}` : undefined}
                  style={{
                    padding: "8px",
                    border: "1px solid var(--p-color-border-secondary)",
                    background: `rgba(0, 91, 211, ${Math.min(0.85, share * 3).toFixed(3)})`,
                    color: share * 3 > 0.45 ? "white" : undefined,
                  }}
                >
                  <div style={{ fontSize: "12px" }}>{found ? humanize(found.segment) : ""}</div>
                  <div style={{ fontWeight: 600 }}>{formatCount(found?.customers ?? 0)}</div>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function Segments() {
  const data = useLoaderData<typeof loader>();
  const recompute = useFetcher<typeof action>();
  const revalidator = useRevalidator();
  const navigate = useNavigate();
  useActionToast(recompute.data as ActionResult | undefined);
  const computing = data.computing || recompute.state !== "idle";

  // While a scoring is queued or running, reload the page until it is done.
  useEffect(() => {
    if (!data.computing) return;
    const timer = setTimeout(() => revalidator.revalidate(), POLL_MS);
    return () => clearTimeout(timer);
  }, [data, revalidator]);

  const primaryAction = {
    content: computing ? "Recomputing…" : "Recompute now",
    loading: computing,
    disabled: computing,
    onAction: () => recompute.submit({ intent: "recompute" }, { method: "post" }),
  };

  if (!data.lastRun) {
    return (
      <Page title="Segments" backAction={{ content: "Overview", url: "/app" }}>
        <TitleBar title="Segments" />
        <Card>
          <EmptyState heading="No scores yet" image={EMPTY_ILLUSTRATION} action={primaryAction}>
            <p>
              Recur scores every customer by recency, frequency and money spent after each full sync
              of your store. Scores appear here once the first sync has finished.
            </p>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  const tooFew = data.lastRun.scoredCustomers < MIN_SCORED_FOR_SEGMENTS;
  return (
    <Page
      title="Segments"
      subtitle={`Computed ${formatTime(data.lastRun.finishedAt)} · ${plural(
        data.lastRun.scoredCustomers,
        "customer",
      )} with orders`}
      backAction={{ content: "Overview", url: "/app" }}
      primaryAction={primaryAction}
    >
      <TitleBar title="Segments" />
      <BlockStack gap="400">
        <ActionErrorBanner result={recompute.data as ActionResult | undefined} />
        {tooFew ? (
          <Banner tone="info" title="Too few customers for segments yet">
            <p>
              Scores compare each customer with the others: with fewer than{" "}
              {MIN_SCORED_FOR_SEGMENTS} customers who have ordered, a segment says little. The
              values below are exact; the segments will mean more as your store grows.
            </p>
          </Banner>
        ) : null}
        <SegmentTable data={data} />
        <TitledCard
          title="Recency by frequency and money"
          description="Rows: recency score (5 = ordered most recently). Columns: the mean of the frequency and money scores."
        >
          <Grid grid={data.grid} />
        </TitledCard>
        <TitledCard
          title="Segment sizes"
          description="Customers in each segment over the last 90 days, as each day's last scoring left them (a day without a scoring repeats the day before)."
        >
          <SegmentSizesChart days={data.sizes.days} series={data.sizes.series} />
        </TitledCard>
        <Card>
          <BlockStack gap="300">
            <InlineStack align="space-between" blockAlign="center">
              <Text as="h2" variant="headingMd">
                Movement
              </Text>
              <Box minWidth="160px">
                <Select
                  label="Window"
                  labelInline
                  options={[
                    { label: "7 days", value: "7" },
                    { label: "30 days", value: "30" },
                    { label: "90 days", value: "90" },
                  ]}
                  value={String(data.movement.days)}
                  onChange={(value) => navigate(`?days=${value}`)}
                />
              </Box>
            </InlineStack>
            {data.movement.moves.length === 0 ? (
              <Text as="p" tone="subdued">
                No customer changed segment in the last {data.movement.days} days.
              </Text>
            ) : (
              <DataTable
                columnContentTypes={["text", "text", "numeric"]}
                headings={["From", "To", "Customers"]}
                rows={data.movement.moves.map((move) => [
                  humanize(move.from),
                  humanize(move.to),
                  formatCount(move.customers),
                ])}
              />
            )}
          </BlockStack>
        </Card>
      </BlockStack>
    </Page>
  );
}

function SegmentTable({ data }: { data: Data }) {
  return (
    <Card padding="0">
      <DataTable
        columnContentTypes={[
          "text",
          "numeric",
          "numeric",
          "numeric",
          "numeric",
          "numeric",
          "numeric",
        ]}
        headings={[
          "Segment",
          "Customers",
          "Share of customers",
          "Share of money",
          "Median days since last order",
          "Median orders",
          "Median spent",
        ]}
        rows={data.segments.map((row) => [
          <Link key={row.segment} url={`/app/segments/${row.segment}`} removeUnderline>
            {humanize(row.segment)}
          </Link>,
          formatCount(row.customers),
          percent(row.shareOfCustomers),
          percent(row.shareOfMonetary),
          row.medianRecencyDays === null ? "—" : formatCount(row.medianRecencyDays),
          row.medianFrequency === null ? "—" : formatCount(row.medianFrequency),
          formatMoney(row.medianMonetary, data.currencyCode),
        ])}
      />
    </Card>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Segments" backUrl="/app" />;
}
