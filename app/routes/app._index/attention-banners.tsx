/** What needs the merchant on the overview, most urgent first: dead letters, a failed run, a scope. */
import type { SerializeFrom } from "@remix-run/node";
import { Banner, BlockStack } from "@shopify/polaris";
import { plural } from "../../components/format.ts";
import type { Overview } from "../../lib/admin/overview.server.ts";

export function AttentionBanners({
  data,
  onSync,
}: {
  data: Pick<SerializeFrom<Overview>, "entities" | "queue" | "canReadAllOrders">;
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
