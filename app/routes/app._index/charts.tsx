/**
 * The overview's charts, drawn with Polaris Viz: orders per day over the last 90 days, and the rows
 * per second of recent sync runs. Polaris Viz measures its container, so the charts draw in the
 * browser; the server renders a skeleton of the same size.
 */
import { InlineGrid, SkeletonBodyText, Text } from "@shopify/polaris";
import { BarChart, LineChart, PolarisVizProvider } from "@shopify/polaris-viz";
import { useEffect, useState } from "react";
import { capitalize, formatCount, formatDecimal } from "../../components/format.ts";
import { TitledCard } from "../../components/TitledCard.tsx";

export interface ChartData {
  ordersPerDay: { day: string; orders: number }[];
  throughput: { id: number; entity: string; kind: string; rowsPerSecond: number }[];
}

const HEIGHT = 240;

function ChartFrame({ label, children }: { label: string; children: React.ReactNode }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return (
    <div style={{ height: HEIGHT }} role="img" aria-label={label}>
      {mounted ? children : <SkeletonBodyText lines={8} />}
    </div>
  );
}

export function OverviewCharts({ ordersPerDay, throughput }: ChartData) {
  const totalOrders = ordersPerDay.reduce((sum, day) => sum + day.orders, 0);
  return (
    <PolarisVizProvider>
      <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
        <TitledCard
          title="Orders per day"
          description={<>Last 90 days (UTC): {formatCount(totalOrders)} orders in Recur</>}
        >
          <ChartFrame label="Orders per day over the last 90 days">
            <LineChart
              data={[
                {
                  name: "Orders",
                  data: ordersPerDay.map((day) => ({ key: day.day, value: day.orders })),
                },
              ]}
              showLegend={false}
              theme="Light"
              xAxisOptions={{ labelFormatter: (value) => String(value ?? "").slice(5) }}
              yAxisOptions={{ integersOnly: true }}
            />
          </ChartFrame>
        </TitledCard>
        <TitledCard
          title="Sync throughput"
          description="Rows per second of the last completed runs, Shopify's export included"
        >
          <ChartFrame label="Rows per second of recent sync runs">
            {throughput.length === 0 ? (
              <Text as="p" tone="subdued">
                No completed sync yet.
              </Text>
            ) : (
              <BarChart
                data={[
                  {
                    name: "Rows per second",
                    data: throughput.map((run) => ({
                      key: `#${run.id} ${capitalize(run.entity)} (${run.kind})`,
                      value: run.rowsPerSecond,
                    })),
                  },
                ]}
                showLegend={false}
                theme="Light"
                xAxisOptions={{ hide: throughput.length > 8 }}
                yAxisOptions={{ labelFormatter: (value) => formatDecimal(Number(value)) }}
              />
            )}
          </ChartFrame>
        </TitledCard>
      </InlineGrid>
    </PolarisVizProvider>
  );
}
