/** The overview's queue card: the shop's work Recur has not finished yet. */
import type { SerializeFrom } from "@remix-run/node";
import { InlineGrid } from "@shopify/polaris";
import { formatCount } from "../../components/format.ts";
import { TitledCard } from "../../components/TitledCard.tsx";
import type { DeliveryQueue } from "../../lib/admin/overview.server.ts";
import { Stat } from "../../components/Stat.tsx";

export function QueueCard({
  queue,
  syncJobs,
}: {
  queue: SerializeFrom<DeliveryQueue>;
  /** From the last poll while a sync is active. */
  syncJobs: number;
}) {
  return (
    <TitledCard title="Queue" description="Work for this store that Recur has not finished yet.">
      <InlineGrid columns={2} gap="400">
        <Stat label="Deliveries waiting" value={formatCount(queue.waiting)} />
        <Stat label="Deliveries processing" value={formatCount(queue.processing)} />
        <Stat label="Sync jobs queued" value={formatCount(syncJobs)} />
        <Stat
          label="Dead letters to retry"
          value={formatCount(queue.deadLetters)}
          testId="dead-letters-waiting"
        />
      </InlineGrid>
    </TitledCard>
  );
}
