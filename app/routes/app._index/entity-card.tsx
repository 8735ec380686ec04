/**
 * The overview's card of one entity (customers, orders): what Recur holds against what the store
 * holds, the run in progress or queued, and the last completed sync.
 */
import type { SerializeFrom } from "@remix-run/node";
import {
  BlockStack,
  Box,
  Card,
  InlineGrid,
  InlineStack,
  ProgressBar,
  Text,
} from "@shopify/polaris";
import {
  capitalize,
  formatCount,
  formatDuration,
  formatTime,
  plural,
} from "../../components/format.ts";
import { Stat } from "../../components/Stat.tsx";
import type { EntityStatus } from "../../lib/admin/overview.server.ts";
import type { RunProgress } from "../../lib/admin/progress.server.ts";

type Progress = SerializeFrom<RunProgress>;

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

export function EntityCard({
  status,
  storeCount,
  run,
  queued,
}: {
  status: SerializeFrom<EntityStatus>;
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
            <Stat
              label="In Recur"
              value={formatCount(status.inRecur)}
              size="lg"
              id={`in-recur-${status.entity}`}
            />
            <Stat
              label="In Shopify"
              value={formatCount(storeCount)}
              size="lg"
              id={`in-shopify-${status.entity}`}
            />
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
