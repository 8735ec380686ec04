import { useAppBridge } from "@shopify/app-bridge-react";
import { Banner, List } from "@shopify/polaris";
import { useEffect } from "react";
import type { ActionResult } from "../lib/admin/action-result.ts";

/** Shows an action's answer as an App Bridge toast, once per answer. */
export function useActionToast(result: ActionResult | undefined) {
  const shopify = useAppBridge();
  useEffect(() => {
    if (!result) return;
    if (result.ok) shopify.toast.show(result.message);
    else shopify.toast.show(result.error, { isError: true });
  }, [result, shopify]);
}

/** An action's refusal (bad input, another shop's ids) as a banner the merchant can read. */
export function ActionErrorBanner({
  result,
  onDismiss,
}: {
  result: ActionResult | undefined;
  onDismiss?: () => void;
}) {
  if (!result || result.ok) return null;
  return (
    <Banner tone="critical" title={result.error} onDismiss={onDismiss}>
      {result.details?.length ? (
        <List>
          {result.details.map((detail) => (
            <List.Item key={detail}>{detail}</List.Item>
          ))}
        </List>
      ) : null}
    </Banner>
  );
}
