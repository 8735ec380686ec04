import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import {
  Link,
  Outlet,
  useLoaderData,
  useLocation,
  useNavigation,
  useRouteError,
} from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import { BlockStack, Card, Layout, SkeletonBodyText, SkeletonPage } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { env } from "../env.server.ts";
import { appBridgeUrl, authenticate } from "../shopify.server.ts";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

/** Every /app page is authenticated here once; child loaders authenticate again for their session. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  return { apiKey: env.SHOPIFY_API_KEY, appBridgeUrl: appBridgeUrl ?? null };
};

/** While the next page's data loads, its skeleton (a new list page, a detail page). */
function PageSkeleton() {
  return (
    <SkeletonPage primaryAction>
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <SkeletonBodyText lines={4} />
              <SkeletonBodyText lines={6} />
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </SkeletonPage>
  );
}

export default function App() {
  const { apiKey, appBridgeUrl } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const location = useLocation();
  const changingPage =
    navigation.state === "loading" && navigation.location.pathname !== location.pathname;
  return (
    <AppProvider
      isEmbeddedApp
      apiKey={apiKey}
      {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}
    >
      <NavMenu>
        <Link to="/app" rel="home">
          Overview
        </Link>
        <Link to="/app/syncs">Sync history</Link>
        <Link to="/app/deliveries">Webhook deliveries</Link>
        <Link to="/app/customers">Customers</Link>
        <Link to="/app/orders">Orders</Link>
        <Link to="/app/segments">Segments</Link>
        <Link to="/app/privacy">Privacy requests</Link>
      </NavMenu>
      {changingPage ? <PageSkeleton /> : <Outlet />}
    </AppProvider>
  );
}

// Shopify needs Remix to catch some thrown responses, so that their headers are included in the response.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
