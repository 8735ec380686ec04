/**
 * The Segments page's chart: each segment's customers on each of the last 90 days, drawn with
 * Polaris Viz in the browser (it measures its container); the server renders a skeleton. Each
 * segment has a fixed colour, named by the legend under the chart (Polaris Viz's own legend, with
 * eleven series, took more height than the chart had).
 */
import { InlineStack, SkeletonBodyText, Text } from "@shopify/polaris";
import { LineChart, PolarisVizProvider } from "@shopify/polaris-viz";
import { useEffect, useState } from "react";
import { humanize } from "./format.ts";

export interface SegmentSizesData {
  days: string[];
  series: { segment: string; customers: (number | null)[] }[];
}

const HEIGHT = 280;

/** Best to worst, greens to greys. */
const COLORS: Record<string, string> = {
  CHAMPIONS: "#0b6e4f",
  LOYAL: "#2a9d8f",
  ACTIVE: "#57cc99",
  PROMISING: "#4361ee",
  NEW: "#4cc9f0",
  NEEDS_ATTENTION: "#f4a261",
  AT_RISK: "#e76f51",
  PREVIOUSLY_LOYAL: "#9d0208",
  ALMOST_LOST: "#b5838d",
  DORMANT: "#6c757d",
  PROSPECTS: "#adb5bd",
};

export function SegmentSizesChart({ days, series }: SegmentSizesData) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return (
    <>
      <div style={{ height: HEIGHT }} role="img" aria-label="Segment sizes over the last 90 days">
        {mounted ? (
          <PolarisVizProvider>
            <LineChart
              data={series.map((line) => ({
                name: humanize(line.segment),
                color: COLORS[line.segment] ?? "#6c757d",
                data: days.map((day, i) => ({ key: day, value: line.customers[i] ?? null })),
              }))}
              showLegend={false}
              theme="Light"
              xAxisOptions={{ labelFormatter: (value) => String(value ?? "").slice(5) }}
              yAxisOptions={{ integersOnly: true }}
            />
          </PolarisVizProvider>
        ) : (
          <SkeletonBodyText lines={10} />
        )}
      </div>
      <InlineStack gap="300">
        {series.map((line) => (
          <InlineStack key={line.segment} gap="100" blockAlign="center">
            <span
              aria-hidden
              style={{
                display: "inline-block",
                width: 10,
                height: 10,
                borderRadius: 2,
                background: COLORS[line.segment] ?? "#6c757d",
              }}
            />
            <Text as="span" variant="bodySm">
              {humanize(line.segment)}
            </Text>
          </InlineStack>
        ))}
      </InlineStack>
    </>
  );
}
