import { vitePlugin as remix } from "@remix-run/dev";
import { installGlobals } from "@remix-run/node";
import { defineConfig } from "vite";

installGlobals({ nativeFetch: true });

// `shopify app dev` passes the tunnel URL as HOST; Remix reads SHOPIFY_APP_URL.
if (process.env.HOST && !process.env.SHOPIFY_APP_URL) {
  process.env.SHOPIFY_APP_URL = process.env.HOST;
  delete process.env.HOST;
}

const host = new URL(process.env.SHOPIFY_APP_URL ?? "http://localhost").hostname;

export default defineConfig({
  server: {
    allowedHosts: [host],
    cors: { preflightContinue: true },
    port: Number(process.env.PORT ?? 3000),
    hmr:
      host === "localhost"
        ? { protocol: "ws", host: "localhost", port: 64999, clientPort: 64999 }
        : {
            protocol: "wss",
            host,
            port: Number(process.env.FRONTEND_PORT ?? 8002),
            clientPort: 443,
          },
    fs: { allow: ["app", "node_modules"] },
  },
  plugins: [
    remix({
      ignoredRouteFiles: ["**/.*"],
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        // The whole route manifest is in the page: no /__manifest fetches, which a reload or a
        // second navigation of the admin frame aborted (a failed request in the e2e test).
        v3_lazyRouteDiscovery: false,
        v3_singleFetch: false,
        v3_routeConfig: true,
      },
    }),
  ],
  build: { assetsInlineLimit: 0 },
  optimizeDeps: { include: ["@shopify/app-bridge-react", "@shopify/polaris"] },
});
