import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, Layout, Page, Text } from "@shopify/polaris";
import { authenticate } from "../shopify.server.ts";
import { prisma } from "../db.server.ts";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await prisma.shop.findUnique({ where: { domain: session.shop } });
  const [customers, orders] = shop
    ? await Promise.all([
        prisma.customer.count({ where: { shopId: shop.id, deletedAt: null } }),
        prisma.order.count({ where: { shopId: shop.id, deletedAt: null } }),
      ])
    : [0, 0];
  return { shop: session.shop, customers, orders };
};

export default function Overview() {
  const { shop, customers, orders } = useLoaderData<typeof loader>();
  return (
    <Page title="Recur">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {shop}
              </Text>
              <Text as="p">
                {customers} customers and {orders} orders in Recur.
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
