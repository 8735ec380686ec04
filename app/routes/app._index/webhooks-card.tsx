/** The overview's webhook card: the last 24 hours of the shop's deliveries, by outcome, and delays. */
import type { SerializeFrom } from "@remix-run/node";
import { InlineGrid } from "@shopify/polaris";
import { formatCount, formatDuration } from "../../components/format.ts";
import { TitledCard } from "../../components/TitledCard.tsx";
import type { WebhookHealth } from "../../lib/admin/overview.server.ts";
import { Stat } from "../../components/Stat.tsx";

function delay(seconds: number | null): string {
  return seconds === null ? "—" : formatDuration(seconds);
}

export function WebhooksCard({ health }: { health: SerializeFrom<WebhookHealth> }) {
  return (
    <TitledCard
      title="Webhooks, last 24 hours"
      description="Delay: from Shopify's trigger to the change being in Recur."
    >
      <InlineGrid columns={3} gap="400">
        <Stat label="Received" value={formatCount(health.received)} />
        <Stat label="Processed" value={formatCount(health.processed)} />
        <Stat
          label="Dead letters"
          value={formatCount(health.deadLetters)}
          testId="dead-letters-24h"
        />
        <Stat label="Ignored" value={formatCount(health.ignored)} />
        <Stat
          label="Skipped, older than stored"
          value={formatCount(health.skipped)}
          testId="skipped-24h"
        />
        <Stat label="Median delay" value={delay(health.medianDelaySeconds)} />
        <Stat label="95th percentile delay" value={delay(health.p95DelaySeconds)} />
      </InlineGrid>
    </TitledCard>
  );
}
