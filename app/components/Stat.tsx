/** One figure on a card: its label, and its value in a heading (an overview card, a sync run). */
import { BlockStack, Text } from "@shopify/polaris";

export function Stat({
  label,
  value,
  size = "md",
  id,
  testId,
}: {
  label: string;
  value: string;
  size?: "md" | "lg";
  /** The value's element id. */
  id?: string;
  testId?: string;
}) {
  return (
    <BlockStack gap="100">
      <Text as="span" tone="subdued">
        {label}
      </Text>
      <div data-testid={testId}>
        <Text as="p" variant={size === "lg" ? "headingLg" : "headingMd"} id={id}>
          {value}
        </Text>
      </div>
    </BlockStack>
  );
}
