import { Badge } from "@shopify/polaris";

type Tone = "success" | "critical" | "attention" | "info" | "warning" | undefined;

const RUN: Record<string, { tone: Tone; label: string }> = {
  running: { tone: "info", label: "Running" },
  completed: { tone: "success", label: "Completed" },
  failed: { tone: "critical", label: "Failed" },
  canceled: { tone: "warning", label: "Canceled" },
};

const DELIVERY: Record<string, { tone: Tone; label: string }> = {
  received: { tone: "attention", label: "Waiting" },
  processing: { tone: "info", label: "Processing" },
  processed: { tone: "success", label: "Processed" },
  skipped: { tone: undefined, label: "Skipped" },
  ignored: { tone: undefined, label: "Ignored" },
  dead_letter: { tone: "critical", label: "Dead letter" },
};

export function RunStatusBadge({ status }: { status: string }) {
  const badge = RUN[status] ?? { tone: undefined, label: status };
  return <Badge tone={badge.tone}>{badge.label}</Badge>;
}

export function DeliveryStatusBadge({ status }: { status: string }) {
  const badge = DELIVERY[status] ?? { tone: undefined, label: status };
  return <Badge tone={badge.tone}>{badge.label}</Badge>;
}

export const DELIVERY_STATUS_LABELS: Record<string, string> = Object.fromEntries(
  Object.entries(DELIVERY).map(([status, { label }]) => [status, label]),
);
