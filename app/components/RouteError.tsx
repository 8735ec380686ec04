import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { Banner, BlockStack, Page, Text } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";

function messageOf(data: unknown): string | undefined {
  if (data && typeof data === "object" && "message" in data) {
    const message = (data as { message: unknown }).message;
    if (typeof message === "string") return message;
  }
  return undefined;
}

const TITLES: Record<number, string> = {
  400: "This page cannot be shown for that request",
  404: "Not found",
};

/**
 * A page's error boundary: Recur's own 400 and 404 answers as an error banner; Shopify's
 * authentication answers (bounces, exit-iframe) as shopify-app-remix renders them; anything else as
 * a banner saying the page failed.
 */
export function RouteError({ title, backUrl }: { title: string; backUrl?: string }) {
  const error = useRouteError();
  const backAction = backUrl ? { content: "Back", url: backUrl } : undefined;
  if (isRouteErrorResponse(error)) {
    const message = messageOf(error.data);
    if (message === undefined) return boundary.error(error);
    return (
      <Page title={title} backAction={backAction}>
        <Banner tone="critical" title={TITLES[error.status] ?? `Error ${error.status}`}>
          <p>{message}</p>
        </Banner>
      </Page>
    );
  }
  return (
    <Page title={title} backAction={backAction}>
      <Banner tone="critical" title="This page failed to load">
        <BlockStack gap="200">
          <Text as="p">
            Recur could not read what this page shows. Reload the page; if it fails again, the
            details below help support.
          </Text>
          <Text as="p" tone="subdued">
            {error instanceof Error ? error.message : "Unknown error"}
          </Text>
        </BlockStack>
      </Banner>
    </Page>
  );
}
