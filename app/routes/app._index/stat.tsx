/** One figure of an overview card: its label, and its value in a heading. */
import { BlockStack, Text } from "@shopify/polaris";

export function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <BlockStack gap="100">
      <Text as="span" tone="subdued">
        {label}
      </Text>
      <div data-testid={testId}>
        <Text as="p" variant="headingMd">
          {value}
        </Text>
      </div>
    </BlockStack>
  );
}
