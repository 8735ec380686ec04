/**
 * The Segments page's chart: each segment's customers on each of the last 90 days, drawn with
 * Polaris Viz in the browser (it measures its container); the server renders a skeleton.
 */
import { SkeletonBodyText } from "@shopify/polaris";
import { LineChart, PolarisVizProvider } from "@shopify/polaris-viz";
import { useEffect, useState } from "react";
import { humanize } from "./format.ts";

export interface SegmentSizesData {
  days: string[];
  series: { segment: string; customers: (number | null)[] }[];
}

const HEIGHT = 280;

export function SegmentSizesChart({ days, series }: SegmentSizesData) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return (
    <div style={{ height: HEIGHT }} role="img" aria-label="Segment sizes over the last 90 days">
      {mounted ? (
        <PolarisVizProvider>
          <LineChart
            data={series.map((line) => ({
              name: humanize(line.segment),
              data: days.map((day, i) => ({ key: day, value: line.customers[i] ?? null })),
            }))}
            theme="Light"
            xAxisOptions={{ labelFormatter: (value) => String(value ?? "").slice(5) }}
            yAxisOptions={{ integersOnly: true }}
          />
        </PolarisVizProvider>
      ) : (
        <SkeletonBodyText lines={10} />
      )}
    </div>
  );
}
