/** A card with a heading and, under it, a line saying what the card shows. */
import { BlockStack, Card, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

export function TitledCard({
  title,
  description,
  children,
}: {
  title: string;
  description: ReactNode;
  children: ReactNode;
}) {
  return (
    <Card>
      <BlockStack gap="300">
        <BlockStack gap="100">
          <Text as="h2" variant="headingMd">
            {title}
          </Text>
          <Text as="p" tone="subdued">
            {description}
          </Text>
        </BlockStack>
        {children}
      </BlockStack>
    </Card>
  );
}
