/** A list's cell holding a number or an amount: right-aligned, in tabular figures. */
import { IndexTable, Text } from "@shopify/polaris";
import type { ReactNode } from "react";

export function NumericCell({ children }: { children: ReactNode }) {
  return (
    <IndexTable.Cell>
      <Text as="span" alignment="end" numeric>
        {children}
      </Text>
    </IndexTable.Cell>
  );
}
